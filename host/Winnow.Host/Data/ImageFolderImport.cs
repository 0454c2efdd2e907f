using SkiaSharp;
using Winnow.DataFiles;
using Winnow.Engine.Configuration;

namespace Winnow.Host.Data;

/// <summary>What an image-folder import is asked to do.</summary>
/// <param name="Size">Each image is resized so that its shorter side is Size pixels, then centre-cropped to Size × Size.</param>
/// <param name="Channels">3 for RGB, 1 for grey.</param>
/// <param name="TestFolder">A folder of the same layout holding the test split, or null to hold out <paramref name="TestFraction"/>.</param>
/// <param name="SkipUnreadable">Leave out images that cannot be decoded, counted and named at the end, instead of stopping.</param>
internal sealed record ImageImport(string Source, string Output, int Size, int Channels, string? TestFolder, double TestFraction, int Seed, bool SkipUnreadable);

/// <summary>Imports a folder with one sub-folder per class of PNG and JPEG images into a data file, decoding with SkiaSharp.</summary>
internal static class ImageFolderImport
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    public static bool IsImageFolder(string path) => Directory.Exists(path) && Directory.EnumerateDirectories(path).Any();

    public static int Run(ImageImport job, TextWriter output)
    {
        var (trainFiles, classes, foreign) = Scan(job.Source, null);
        List<(string File, int Label)> testFiles;
        if (job.TestFolder is not null)
        {
            var (files, testClasses, testForeign) = Scan(job.TestFolder, classes);
            testFiles = files;
            foreign.AddRange(testForeign);
            _ = testClasses;
        }
        else (trainFiles, testFiles) = Split(trainFiles, classes.Count, job.TestFraction, job.Seed, job.Source);

        var shape = new[] { job.Channels, job.Size, job.Size };
        var unreadable = new List<string>();
        var total = trainFiles.Count + testFiles.Count;
        var done = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var record = new byte[job.Channels * job.Size * job.Size];
        using (var writer = new DataFileWriter(job.Output, shape, classes, $"images from {Path.GetFullPath(job.Source)}" +
                   (job.TestFolder is null ? $", test fraction {job.TestFraction} (seed {job.Seed})" : $", test split from {Path.GetFullPath(job.TestFolder)}")))
        {
            void Each(List<(string File, int Label)> files, Action<byte[], int> add)
            {
                foreach (var (file, label) in files)
                {
                    if (Decode(file, job.Size, job.Channels, record) is { } problem)
                    {
                        if (!job.SkipUnreadable)
                            throw new ConfigurationError($"{file}: {problem}; fix or remove it, or pass --skip-unreadable to leave such images out (they are counted and named)");
                        unreadable.Add($"{file}: {problem}");
                    }
                    else add(record, label);
                    done++;
                    if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(2))
                    {
                        lastReport = clock.Elapsed;
                        output.WriteLine($"  {done:N0} of {total:N0} images ({done * 100.0 / total:F0}%), {clock.Elapsed.TotalSeconds:F0}s");
                    }
                }
            }
            Each(trainFiles, (r, l) => writer.AddTrain(r, l));
            if (writer.TrainCount == 0) throw new ConfigurationError($"{job.Source}: no training image could be read");
            Each(testFiles, (r, l) => writer.AddTest(r, l));
            if (writer.TestCount == 0) throw new ConfigurationError($"{job.TestFolder ?? job.Source}: no test image could be read");
            var header = writer.Finish();
            output.WriteLine($"imported {header.Train:N0} train and {header.Test:N0} test images of {header.Classes.Count} classes, {job.Channels}×{job.Size}×{job.Size}, in {clock.Elapsed.TotalSeconds:F1}s: {Path.GetFullPath(job.Output)}");
            output.WriteLine($"normalisation (train split): mean {string.Join(", ", header.Mean.Select(m => m.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}; std {string.Join(", ", header.Std.Select(m => m.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}");
        }
        if (unreadable.Count > 0)
        {
            output.WriteLine($"left out {unreadable.Count} unreadable image{(unreadable.Count == 1 ? "" : "s")} (--skip-unreadable):");
            foreach (var u in unreadable) output.WriteLine($"  {u}");
        }
        if (foreign.Count > 0)
            output.WriteLine($"left out {foreign.Count} file{(foreign.Count == 1 ? "" : "s")} that {(foreign.Count == 1 ? "is" : "are")} not PNG or JPEG, e.g. {foreign[0]}");
        return Cli.Ok;
    }

    // Class folders in ordinal order (so label numbers do not depend on the file system), images in ordinal order inside each.
    private static (List<(string File, int Label)> Files, List<string> Classes, List<string> Foreign) Scan(string folder, List<string>? known)
    {
        UserPaths.RequireDirectory(folder, "image folder");
        var classFolders = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).ToList();
        if (classFolders.Count == 0) throw new ConfigurationError($"{folder}: no class sub-folders; an image folder holds one sub-folder per class, its images inside");
        var classes = known ?? [.. classFolders.Select(Path.GetFileName).Select(n => n!)];
        if (known is null && classes.Count < 2) throw new ConfigurationError($"{folder}: one class sub-folder ({classes[0]}); a classifier needs at least two");
        var files = new List<(string, int)>();
        var foreign = new List<string>();
        foreach (var classFolder in classFolders)
        {
            var name = Path.GetFileName(classFolder);
            var label = classes.IndexOf(name);
            if (label < 0) throw new ConfigurationError($"{classFolder}: class '{name}' is not one of the training classes ({string.Join(", ", classes)})");
            foreach (var file in Directory.EnumerateFiles(classFolder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                if (Extensions.Contains(Path.GetExtension(file).ToLowerInvariant())) files.Add((file, label));
                else foreign.Add(file);
        }
        if (files.Count == 0) throw new ConfigurationError($"{folder}: no PNG or JPEG images in its class sub-folders");
        return (files, classes, foreign);
    }

    // Per class, a seeded shuffle and the first round(fraction·count) for testing: every class is in both splits when it can be.
    private static (List<(string, int)> Train, List<(string, int)> Test) Split(List<(string File, int Label)> files, int classes, double fraction, int seed, string folder)
    {
        var random = new Random(seed);
        var (train, test) = (new List<(string, int)>(), new List<(string, int)>());
        for (var c = 0; c < classes; c++)
        {
            var own = files.Where(f => f.Label == c).ToArray();
            random.Shuffle(own);
            var held = (int)Math.Round(fraction * own.Length);
            test.AddRange(own[..held]);
            train.AddRange(own[held..]);
        }
        if (train.Count == 0 || test.Count == 0)
            throw new ConfigurationError($"{folder}: {files.Count} images give {train.Count} train and {test.Count} test at --test-fraction {fraction}; each split needs one");
        return (train, test);
    }

    /// <summary>Decodes <paramref name="file"/>, resizes its shorter side to <paramref name="size"/>, centre-crops and writes the
    /// channel planes into <paramref name="record"/>. Returns why it could not, or null.</summary>
    internal static string? Decode(string file, int size, int channels, byte[] record)
    {
        SKBitmap? decoded;
        try
        {
            using var stream = File.OpenRead(file);
            decoded = SKBitmap.Decode(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read ({e.Message})";
        }
        if (decoded is null || decoded.Width == 0 || decoded.Height == 0) return "is not a PNG or JPEG image that can be decoded (damaged, or another format)";
        using (decoded)
        {
            var scale = (double)size / Math.Min(decoded.Width, decoded.Height);
            var (w, h) = (Math.Max(size, (int)Math.Round(decoded.Width * scale)), Math.Max(size, (int)Math.Round(decoded.Height * scale)));
            var info = new SKImageInfo(w, h, channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Unpremul);
            using var resized = decoded.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            if (resized is null) return $"could not be resized to {w}×{h}";
            var pixels = resized.GetPixelSpan();
            var rowBytes = resized.RowBytes;
            var bytesPerPixel = channels == 1 ? 1 : 4;
            var (left, top) = ((w - size) / 2, (h - size) / 2);
            var plane = size * size;
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                {
                    var at = (top + y) * rowBytes + (left + x) * bytesPerPixel;
                    for (var c = 0; c < channels; c++) record[c * plane + y * size + x] = pixels[at + c];
                }
        }
        return null;
    }
}
