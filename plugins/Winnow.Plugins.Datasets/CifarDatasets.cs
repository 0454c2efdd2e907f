using System.ComponentModel.DataAnnotations;
using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Datasets;

/// <summary>Options of <see cref="Cifar10DatasetPlugin"/>; <see cref="ImageDatasetOptions.Path"/> defaults to
/// <c>/usr/share/datasets/cifar-10-batches-bin</c>. Augmentation (pad 4, random crop, random flip) is on by default, as in the
/// standard CIFAR training recipe.</summary>
public sealed class Cifar10Options() : ImageDatasetOptions(Cifar10DatasetPlugin.Format.DefaultPath, augment: true, horizontalFlip: true);

/// <summary>Which of a CIFAR-100 record's two labels to train on.</summary>
public enum Cifar100Labels
{
    /// <summary>The 100 classes.</summary>
    Fine,
    /// <summary>The 20 superclasses.</summary>
    Coarse,
}

/// <summary>Options of <see cref="Cifar100DatasetPlugin"/>; <see cref="ImageDatasetOptions.Path"/> defaults to
/// <c>/usr/share/datasets/cifar-100-binary</c>. Augmentation is on by default, as for CIFAR-10.</summary>
public sealed class Cifar100Options() : ImageDatasetOptions(Cifar100DatasetPlugin.Format.DefaultPath, augment: true, horizontalFlip: true)
{
    /// <summary><c>fine</c> (default): 100 classes; <c>coarse</c>: 20 superclasses.</summary>
    [EnumDataType(typeof(Cifar100Labels))]
    public Cifar100Labels Labels { get; set; } = Cifar100Labels.Fine;
}

/// <summary>CIFAR-10: 32×32 colour images in 10 classes (50,000 train in five batches, 10,000 test), from its binary version.</summary>
[WinnowPlugin(PluginKind.Dataset, "cifar10", "CIFAR-10 from its binary files: 32x32 colour images, 10 classes, crop-and-flip augmentation")]
public sealed class Cifar10DatasetPlugin : DatasetPlugin<Cifar10Options>
{
    internal static readonly CifarFormat Format = new(
        DisplayName: "CIFAR-10",
        DefaultPath: "/usr/share/datasets/cifar-10-batches-bin",
        TrainFiles: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
        TestFile: "test_batch.bin",
        LabelFields: [new CifarLabelField("", 10, "batches.meta.txt",
            ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"])],
        // The training set's per-channel (R, G, B) mean and standard deviation on the [0, 1] scale.
        Mean: [0.4914f, 0.4822f, 0.4465f],
        Std: [0.2470f, 0.2435f, 0.2616f],
        InstallHint: "extract the binary version (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html) so that "
            + "the folder holds data_batch_1.bin … data_batch_5.bin and test_batch.bin, or set Run:Dataset:Options:Path to the folder that holds them");

    /// <inheritdoc/>
    protected override Dataset Open(Cifar10Options options, DatasetContext context) => Format.Open(options, labelField: 0, context);
}

/// <summary>CIFAR-100: 32×32 colour images with 100 fine classes grouped into 20 coarse ones (50,000 train, 10,000 test), from its binary version.</summary>
[WinnowPlugin(PluginKind.Dataset, "cifar100", "CIFAR-100 from its binary files: 32x32 colour images, 100 fine or 20 coarse classes, crop-and-flip augmentation")]
public sealed class Cifar100DatasetPlugin : DatasetPlugin<Cifar100Options>
{
    internal static readonly CifarFormat Format = new(
        DisplayName: "CIFAR-100",
        DefaultPath: "/usr/share/datasets/cifar-100-binary",
        TrainFiles: ["train.bin"],
        TestFile: "test.bin",
        // In the order the bytes come in a record: coarse label, then fine label.
        LabelFields: [new CifarLabelField("coarse", 20, "coarse_label_names.txt", null), new CifarLabelField("fine", 100, "fine_label_names.txt", null)],
        Mean: [0.5071f, 0.4865f, 0.4409f],
        Std: [0.2673f, 0.2564f, 0.2762f],
        InstallHint: "extract the binary version (cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html) so that "
            + "the folder holds train.bin and test.bin, or set Run:Dataset:Options:Path to the folder that holds them");

    /// <inheritdoc/>
    protected override Dataset Open(Cifar100Options options, DatasetContext context) =>
        Format.Open(options, labelField: options.Labels == Cifar100Labels.Coarse ? 0 : 1, context);
}

/// <summary>One label byte of a CIFAR record.</summary>
/// <param name="Name">How messages call it ("fine", "coarse"); empty when a record has only one label.</param>
/// <param name="Classes">Its number of classes: a byte at or above it is an error.</param>
/// <param name="NamesFile">The optional file in the dataset's folder that names its classes, one per line.</param>
/// <param name="StandardNames">The names to use when that file is absent; null for <c>class 0</c>, <c>class 1</c>, ….</param>
internal sealed record CifarLabelField(string Name, int Classes, string NamesFile, string[]? StandardNames)
{
    /// <summary>"fine label", or just "label".</summary>
    public string Label => Name.Length == 0 ? "label" : $"{Name} label";
}

/// <summary>The binary CIFAR format: files of fixed-size records, each the label byte(s) followed by 3,072 pixel bytes (1,024 red,
/// then 1,024 green, then 1,024 blue, each plane a row-major 32×32 image). No header: a file's length must be a whole number of records.</summary>
/// <remarks>
/// <para>All files are found, and their lengths checked, before any is read, so a missing or truncated file is reported at once.
/// With a limit, only the first records are read (in file order: <c>data_batch_1.bin</c> first), and only their labels are checked.</para>
/// <para>The records are read into one buffer per split and turned into tensors with tensor operations: the pixel columns are
/// converted to float32, reshaped to <c>[N, 3, 32, 32]</c> and normalised per channel; every label byte of every record read is
/// checked against its field's class count, whichever field is used.</para>
/// </remarks>
internal sealed record CifarFormat(string DisplayName, string DefaultPath, string[] TrainFiles, string TestFile,
    CifarLabelField[] LabelFields, float[] Mean, float[] Std, string InstallHint)
{
    internal const int Channels = 3;
    internal const int Side = 32;
    internal const int PixelBytes = Channels * Side * Side;

    /// <summary>The longest class names file accepted (1 MiB; the real ones are under 1 KiB).</summary>
    internal const long MaxNamesFileBytes = 1 << 20;

    public int RecordBytes => LabelFields.Length + PixelBytes;

    private string RecordDescription => LabelFields.Length == 1
        ? $"{RecordBytes:N0}-byte record size (1 label byte + {PixelBytes:N0} pixel bytes)"
        : $"{RecordBytes:N0}-byte record size ({LabelFields.Length} label bytes + {PixelBytes:N0} pixel bytes)";

    public Dataset Open(ImageDatasetOptions options, int labelField, DatasetContext context)
    {
        var directory = Path.GetFullPath(options.Path, context.BaseDirectory);
        DatasetFiles.CheckFolder(directory, DisplayName, InstallHint);

        var trainPaths = TrainFiles.Select(name => Find(directory, name)).ToArray();
        var testPath = Find(directory, TestFile);
        var trainCounts = trainPaths.Select(CountRecords).ToArray();
        var testCounts = new[] { CountRecords(testPath) };
        var field = LabelFields[labelField];
        var classNames = ReadClassNames(directory, field);

        var trainRecords = ReadRecords(trainPaths, trainCounts, options.TrainLimit, directory, "training", nameof(options.TrainLimit));
        var testRecords = ReadRecords([testPath], testCounts, options.TestLimit, directory, "test", nameof(options.TestLimit));

        LabeledData? train = null, test = null;
        try
        {
            train = ToLabeledData(trainRecords.Bytes, trainRecords.Count, labelField);
            test = ToLabeledData(testRecords.Bytes, testRecords.Count, labelField);
            return new Dataset(train, test, classNames) { Augmentation = options.CreateAugmentation() };
        }
        catch
        {
            train?.Dispose();
            test?.Dispose();
            throw;
        }
    }

    // A CIFAR-10 record has one label byte, a CIFAR-100 record two: a file of the other format is named as such, not as bad labels.
    private string OtherFormat(long length, string otherwise)
    {
        var (other, otherBytes, dataset) = LabelFields.Length == 1 ? ("CIFAR-100", RecordBytes + 1, "cifar100") : ("CIFAR-10", RecordBytes - 1, "cifar10");
        return length % otherBytes == 0
            ? $"its length is a whole number of {other} records ({otherBytes:N0} bytes each): it looks like a {other} file; use the {dataset} dataset for it"
            : otherwise;
    }

    private string Find(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        if (DatasetFiles.IsFile(path)) return path;
        if (DatasetFiles.WhyNotAFile(path) is { } why) throw new InvalidDataException($"{why}; {DisplayName} needs it as a file");
        throw new FileNotFoundException($"{DisplayName} file missing: {path}. To get the data, {InstallHint}.", path);
    }

    /// <summary>The number of records in a file, from its length alone.</summary>
    private long CountRecords(string path)
    {
        var length = new FileInfo(path).Length;
        if (length == 0)
            throw new InvalidDataException($"{path}: the file is empty; a {DisplayName} binary file holds records of the {RecordDescription}");
        if (length % RecordBytes != 0)
            throw new InvalidDataException($"{path}: length {length:N0} bytes is not a multiple of the {RecordDescription}: "
                + $"{length / RecordBytes:N0} whole records and {length % RecordBytes:N0} bytes left over; " + OtherFormat(length, "the file is truncated or not a " + DisplayName + " binary file"));
        return length / RecordBytes;
    }

    /// <summary>Reads the first <paramref name="limit"/> records (0 = all) of the files, in order, into one buffer, checking every label byte.</summary>
    private (byte[] Bytes, int Count) ReadRecords(string[] paths, long[] counts, int limit, string directory, string split, string limitOption)
    {
        var total = counts.Sum();
        var take = limit == 0 ? total : Math.Min(limit, total);
        var bytes = take * RecordBytes;
        if (bytes > Array.MaxLength)
            throw new InvalidDataException($"{directory}: the {split} files hold {total:N0} records, {bytes:N0} bytes, more than one array can hold; "
                + $"set {limitOption} to use fewer");

        var buffer = new byte[bytes];
        var filled = 0;
        for (var i = 0; i < paths.Length && filled < bytes; i++)
        {
            var records = (int)Math.Min(counts[i], (bytes - filled) / RecordBytes);
            var region = buffer.AsSpan(filled, records * RecordBytes);
            using (var file = UserPaths.OpenFile(paths[i], $"{DisplayName} file", long.MaxValue))
            {
                var got = file.ReadAtLeast(region, region.Length, throwOnEndOfStream: false);
                if (got < region.Length)
                    throw new InvalidDataException($"{paths[i]}: truncated while reading: the file ended after {got:N0} of {region.Length:N0} bytes (was it changed while being read?)");
            }
            CheckLabels(paths[i], region, records);
            filled += region.Length;
        }
        return (buffer, (int)take);
    }

    private void CheckLabels(string path, ReadOnlySpan<byte> records, int count)
    {
        for (var r = 0; r < count; r++)
        {
            for (var f = 0; f < LabelFields.Length; f++)
            {
                var field = LabelFields[f];
                var value = records[r * RecordBytes + f];
                if (value >= field.Classes)
                    throw new InvalidDataException($"{path}: record {r} (counting from 0) has {field.Label} {value}, out of range: "
                        + $"{DisplayName} has {field.Classes} {(field.Name.Length == 0 ? "" : field.Name + " ")}classes (0..{field.Classes - 1}); "
                        + OtherFormat(new FileInfo(path).Length, "is the file damaged?"));
            }
        }
    }

    private LabeledData ToLabeledData(byte[] records, int count, int labelField)
    {
        using var scope = NewDisposeScope();
        // frombuffer shares the managed array, so the copies below make the tensors that are kept. The pixels stay bytes, a quarter
        // of float32; the engine converts and normalises each batch (Normalization.Apply).
        var raw = frombuffer(records, ScalarType.Byte, count: (long)count * RecordBytes).view(count, RecordBytes);
        var inputs = raw.narrow(1, LabelFields.Length, PixelBytes).reshape(count, Channels, Side, Side).clone();
        var labels = raw.select(1, labelField).to_type(ScalarType.Int64);
        // Detached, not moved to an outer scope: the dataset owns these tensors for the whole run, whatever scope the caller has open.
        return new LabeledData(inputs.DetachFromDisposeScope(), labels.contiguous().DetachFromDisposeScope(), new Normalization(Mean, Std));
    }

    /// <summary>The field's class names: from its names file when the folder has one (one name per line; trailing blank lines are
    /// ignored), else the standard names.</summary>
    private IReadOnlyList<string> ReadClassNames(string directory, CifarLabelField field)
    {
        var path = Path.Combine(directory, field.NamesFile);
        if (UserPaths.KindOf(path) == PathKind.Missing)
            return field.StandardNames ?? [.. Enumerable.Range(0, field.Classes).Select(c => $"class {c}")];

        // Bounded before and while reading: a device (a link to /dev/zero) has no length and never ends.
        var text = UserPaths.ReadAllText(path, $"{DisplayName} class-names file", MaxNamesFileBytes);
        var lines = text.Split('\n').Select(line => line.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);

        var blank = lines.FindIndex(line => line.Length == 0);
        if (blank >= 0)
            throw new InvalidDataException($"{path}: line {blank + 1} is blank; expected one class name per line");
        if (lines.Count != field.Classes)
            throw new InvalidDataException($"{path}: lists {lines.Count} class names, but {DisplayName} has {field.Classes} "
                + $"{(field.Name.Length == 0 ? "" : field.Name + " ")}classes; expected one name per line");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
            if (!seen.TryAdd(lines[i], i))
                throw new InvalidDataException($"{path}: class name '{lines[i]}' appears on lines {seen[lines[i]] + 1} and {i + 1}; class names must differ");
        return lines;
    }
}
