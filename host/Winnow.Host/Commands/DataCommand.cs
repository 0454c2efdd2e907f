using System.CommandLine;
using System.Globalization;
using Winnow.DataFiles;
using Winnow.Engine.Configuration;
using Winnow.Host.Data;

namespace Winnow.Host.Commands;

/// <summary><c>winnow data import &lt;source&gt; &lt;output&gt;</c> and <c>winnow data info &lt;file&gt;</c>: a user's images, or what a dataset
/// plugin reads, as one memory-mapped data file that the <c>data-file</c> dataset trains from.</summary>
internal static class DataCommand
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static Command Create(Option<string> config) => new("data", "Makes and describes Winnow data files: uint8 records and labels behind a checked header, trained from by the data-file dataset without reading them whole.")
    {
        Import(config), Generate(), Info(),
    };

    private static Command Import(Option<string> config)
    {
        var source = Syntax.Positional("source", "a folder with one sub-folder of PNG or JPEG images per class, or a dataset plugin's name (fashion-mnist, mnist, cifar10, cifar100) to export what it reads");
        var output = Syntax.Positional("output", "the data file to write (e.g. data/pets.wds)");
        var size = new Option<int>("--size") { HelpName = "pixels", Description = "images: resize the shorter side to this many pixels, then centre-crop to a square (required for an image folder)" };
        size.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 4096) r.AddError("--size must be between 1 and 4096 pixels"); });
        var channels = new Option<int>("--channels") { DefaultValueFactory = _ => 3, Description = "images: 3 for RGB, 1 for grey" };
        channels.Validators.Add(r => { if (r.GetValueOrDefault<int>() is not (1 or 3)) r.AddError("--channels must be 1 (grey) or 3 (RGB)"); });
        var test = Syntax.NotEmpty(new Option<string>("--test") { HelpName = "folder", Description = "images: a folder of the same layout holding the test split (default: hold out --test-fraction)" });
        var fraction = new Option<double>("--test-fraction") { DefaultValueFactory = _ => 0.2, Description = "images: the share of each class held out as the test split when there is no --test folder, in (0, 1)" };
        fraction.Validators.Add(r => { if (r.GetValueOrDefault<double>() is not (> 0 and < 1)) r.AddError("--test-fraction must be between 0 and 1, both excluded"); });
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1, Description = "images: the seed of the held-out split" };
        var skip = new Option<bool>("--skip-unreadable") { Description = "images: leave out images that cannot be decoded (counted and named at the end) instead of stopping at the first" };
        var command = new Command("import", "Writes a data file from an image folder (class sub-folders of PNG and JPEG, resized and centre-cropped) or from a dataset plugin (IDX, CIFAR), with progress. " +
                                            "Then train on it with --Run:Dataset:Name=data-file --Run:Dataset:Options:Path=<output>.")
        {
            source, output, size, channels, test, fraction, seed, skip, config,
        };
        Overrides.Accept(command);
        command.SetAction(parse =>
        {
            var from = parse.GetRequiredValue(source);
            var to = parse.GetRequiredValue(output);
            RefuseExisting(to);
            if (ImageFolderImport.IsImageFolder(from))
            {
                if (parse.GetResult(size) is null) throw new ConfigurationError($"{from} is an image folder: give --size <pixels>, the side of the square every image becomes");
                return ImageFolderImport.Run(new ImageImport(from, to, parse.GetValue(size), parse.GetValue(channels), parse.GetValue(test), parse.GetValue(fraction),
                    parse.GetValue(seed), parse.GetValue(skip)), Console.Out);
            }
            if (Directory.Exists(from) || File.Exists(from))
                throw new ConfigurationError($"{from} has no class sub-folders: an image folder holds one sub-folder per class. For IDX or CIFAR files, name their dataset plugin " +
                                             $"and its folder: winnow data import fashion-mnist {to} --Run:Dataset:Options:Path={from}");
            var (settings, saved) = Cli.LoadSettings(ConfigFile.Of(parse, config), [$"--Run:Dataset:Name={from}", .. Overrides.Of(parse)]);
            using var catalog = Cli.LoadPlugins(settings, saved.BaseDirectory);
            return DatasetExport.Run(from, to, settings, saved.BaseDirectory, catalog, Console.Out);
        });
        return command;
    }

    // Never overwrite a data file a run may be mapping; the user removes it on purpose.
    private static void RefuseExisting(string output)
    {
        var kind = UserPaths.KindOf(Path.GetFullPath(output));
        if (kind == PathKind.File) throw new ConfigurationError($"{Path.GetFullPath(output)} already exists; remove it first or name another file");
        if (kind != PathKind.Missing) throw new ConfigurationError($"{Path.GetFullPath(output)} is {UserPaths.Describe(kind)}; name a new file");
        var folder = Path.GetDirectoryName(Path.GetFullPath(output))!;
        if (!Directory.Exists(folder)) throw new ConfigurationError($"the folder of {Path.GetFullPath(output)} does not exist: create {folder} first");
    }

    private static Command Generate()
    {
        var output = Syntax.Positional("output", "the data file to write (e.g. data/synthetic-10m.wds)");
        var train = new Option<long>("--train") { DefaultValueFactory = _ => 60_000, HelpName = "records", Description = "train records" };
        train.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 1) r.AddError("--train must be at least 1"); });
        var test = new Option<long>("--test") { DefaultValueFactory = _ => 10_000, HelpName = "records", Description = "test records" };
        test.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 1) r.AddError("--test must be at least 1"); });
        var shape = new Option<string>("--shape") { DefaultValueFactory = _ => "3x32x32", HelpName = "CxHxW", Description = "the shape of a record, channels first" };
        shape.Validators.Add(r =>
        {
            if (ParseShape(r.GetValueOrDefault<string>()) is null) r.AddError($"--shape '{r.GetValueOrDefault<string>()}' is not channels x height x width of positive whole numbers, e.g. 3x32x32, of at most 16 MiB");
        });
        var classes = new Option<int>("--classes") { HelpName = "n", DefaultValueFactory = _ => 10, Description = "the number of classes, 2 to 65536" };
        classes.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 2 or > 65536) r.AddError("--classes must be between 2 and 65536"); });
        var seed = new Option<int>("--seed") { HelpName = "n", DefaultValueFactory = _ => 1, Description = "the seed of the patterns, noise and labels" };
        var command = new Command("generate", "Writes a data file of generated images (each a class's pattern under noise) of any size, with progress: " +
                                              "to try training on data larger than this machine's memory before your own is there.")
        {
            output, train, test, shape, classes, seed,
        };
        command.SetAction(parse =>
        {
            var to = parse.GetRequiredValue(output);
            RefuseExisting(to);
            var dims = ParseShape(parse.GetValue(shape))!;
            var bytes = (parse.GetValue(train) + parse.GetValue(test)) * dims.Aggregate(1L, (a, d) => a * d);
            var free = new DriveInfo(Path.GetDirectoryName(Path.GetFullPath(to))!).AvailableFreeSpace;
            if (bytes > free) throw new ConfigurationError($"{Path.GetFullPath(to)} would take {bytes / 1e9:F1} GB; its disk has {free / 1e9:F1} GB free");
            return SyntheticImages.Run(new SyntheticImagesJob(to, parse.GetValue(train), parse.GetValue(test), dims, parse.GetValue(classes), parse.GetValue(seed)), Console.Out);
        });
        return command;
    }

    private static int[]? ParseShape(string? text)
    {
        var parts = (text ?? "").Split('x');
        var dims = parts.Select(p => int.TryParse(p, NumberStyles.None, C, out var d) && d > 0 ? d : 0).ToArray();
        return parts.Length == 3 && dims.All(d => d > 0) && dims.Aggregate(1L, (a, d) => a * d) <= 1 << 24 ? dims : null;
    }

    private static Command Info()
    {
        var file = Syntax.Positional("file", "a data file made by winnow data import");
        var command = new Command("info", "Prints what a data file's header holds and checks the file against it (length, checksum, every label).") { file };
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(parse.GetRequiredValue(file));
            var kind = UserPaths.KindOf(path);
            if (kind == PathKind.Missing) throw new ConfigurationError($"data file not found: {path}");
            if (kind != PathKind.File) throw new ConfigurationError($"{path} is {UserPaths.Describe(kind)}; expected a data file");
            var layout = DataFile.Open(path);
            var labels = DataFile.ReadLabels(layout);
            var h = layout.Header;
            string List(IReadOnlyList<float> v) => string.Join(", ", v.Select(x => x.ToString("F4", C)));
            Console.WriteLine($"{path}: Winnow data file, format {DataFileLayout.Version}, {layout.FileLength:N0} bytes; header checksum and length check out");
            Console.WriteLine($"records   {h.Train:N0} train, {h.Test:N0} test; each [{string.Join(", ", h.Shape)}] uint8 ({h.RecordBytes:N0} bytes), from offset {layout.DataOffset:N0}");
            Console.WriteLine($"classes   {h.Classes.Count}: {string.Join(", ", h.Classes.Take(20))}{(h.Classes.Count > 20 ? $", … ({h.Classes.Count - 20} more)" : "")}");
            var perClass = new long[h.Classes.Count];
            for (long i = 0; i < h.Train; i++) perClass[labels[i]]++;
            Console.WriteLine($"train per class  {string.Join(", ", perClass.Take(20).Select(n => n.ToString("N0", C)))}{(h.Classes.Count > 20 ? ", …" : "")}");
            Console.WriteLine($"normalise mean {List(h.Mean)}; std {List(h.Std)} (per channel, [0, 1] scale)");
            Console.WriteLine($"source    {h.Source}");
            Console.WriteLine($"train on it: --Run:Dataset:Name=data-file --Run:Dataset:Options:Path={path}");
            return Cli.Ok;
        });
        return command;
    }
}
