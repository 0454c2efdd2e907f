using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Datasets;

/// <summary>Options shared by the MNIST-format datasets (config section <c>Run:Dataset:Options</c>): <see cref="ImageDatasetOptions.Path"/>
/// is the folder holding the four IDX files, raw or gzip'd. <see cref="ImageDatasetOptions.Augment"/> is off by default here, so a run
/// trains on the images as they are unless it asks for augmentation.</summary>
public abstract class MnistFormatOptions : ImageDatasetOptions
{
    /// <param name="defaultPath">Where the dataset's files are installed by default.</param>
    /// <param name="horizontalFlip">The default of <see cref="ImageDatasetOptions.HorizontalFlip"/>.</param>
    protected MnistFormatOptions(string defaultPath, bool horizontalFlip) : base(defaultPath, augment: false, horizontalFlip) { }
}

/// <summary>Options of <see cref="FashionMnistDatasetPlugin"/>; <see cref="ImageDatasetOptions.Path"/> defaults to
/// <c>/usr/share/datasets/fashion-mnist</c>, where the Debian package <c>dataset-fashion-mnist</c> installs it.
/// <see cref="ImageDatasetOptions.HorizontalFlip"/> defaults to on (clothes look the same mirrored) but only acts with <c>Augment</c> on.</summary>
public sealed class FashionMnistOptions() : MnistFormatOptions(FashionMnistDatasetPlugin.Format.DefaultPath, horizontalFlip: true);

/// <summary>Options of <see cref="MnistDatasetPlugin"/>; <see cref="ImageDatasetOptions.Path"/> defaults to <c>/usr/share/datasets/mnist</c>.
/// <see cref="ImageDatasetOptions.HorizontalFlip"/> defaults to off: a mirrored digit is often no digit, or another one.</summary>
public sealed class MnistOptions() : MnistFormatOptions(MnistDatasetPlugin.Format.DefaultPath, horizontalFlip: false);

/// <summary>Fashion-MNIST: 28×28 grey images of clothing in 10 classes (60,000 train, 10,000 test).</summary>
[WinnowPlugin(PluginKind.Dataset, "fashion-mnist", "Fashion-MNIST from its IDX files: 28x28 grey clothing images, 10 classes")]
public sealed class FashionMnistDatasetPlugin : DatasetPlugin<FashionMnistOptions>
{
    internal static readonly MnistFormat Format = new(
        DisplayName: "Fashion-MNIST",
        DefaultPath: "/usr/share/datasets/fashion-mnist",
        ClassNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        // The training set's pixel mean and standard deviation on the [0, 1] scale.
        Mean: 0.2860f,
        Std: 0.3530f,
        InstallHint: "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), "
            + "or set Run:Dataset:Options:Path to the folder that holds the files");

    /// <inheritdoc/>
    protected override Dataset Open(FashionMnistOptions options, DatasetContext context) => Format.Open(options, context);
}

/// <summary>MNIST: 28×28 grey images of handwritten digits in 10 classes (60,000 train, 10,000 test).</summary>
[WinnowPlugin(PluginKind.Dataset, "mnist", "MNIST from its IDX files: 28x28 grey handwritten digits, 10 classes")]
public sealed class MnistDatasetPlugin : DatasetPlugin<MnistOptions>
{
    internal static readonly MnistFormat Format = new(
        DisplayName: "MNIST",
        DefaultPath: "/usr/share/datasets/mnist",
        ClassNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        Mean: 0.1307f,
        Std: 0.3081f,
        InstallHint: "copy the four MNIST IDX files (raw or .gz) there (no Debian package ships them), "
            + "or set Run:Dataset:Options:Path to the folder that holds them");

    /// <inheritdoc/>
    protected override Dataset Open(MnistOptions options, DatasetContext context) => Format.Open(options, context);
}

/// <summary>The loader MNIST and Fashion-MNIST share: same file names, same layout, different classes and statistics.</summary>
internal sealed record MnistFormat(string DisplayName, string DefaultPath, string[] ClassNames, float Mean, float Std, string InstallHint)
{
    internal const string TrainImages = "train-images-idx3-ubyte";
    internal const string TrainLabels = "train-labels-idx1-ubyte";
    internal const string TestImages = "t10k-images-idx3-ubyte";
    internal const string TestLabels = "t10k-labels-idx1-ubyte";

    public Dataset Open(MnistFormatOptions options, DatasetContext context)
    {
        var directory = System.IO.Path.GetFullPath(options.Path, context.BaseDirectory);
        DatasetFiles.CheckFolder(directory, DisplayName, InstallHint);

        // Find every file before reading any, so a missing one is reported at once rather than after a long read.
        var trainImagesPath = Find(directory, TrainImages);
        var trainLabelsPath = Find(directory, TrainLabels);
        var testImagesPath = Find(directory, TestImages);
        var testLabelsPath = Find(directory, TestLabels);

        var trainImages = IdxReader.ReadImages(trainImagesPath);
        var trainLabels = ReadLabels(trainLabelsPath, trainImagesPath, trainImages.Count);
        var testImages = IdxReader.ReadImages(testImagesPath);
        var testLabels = ReadLabels(testLabelsPath, testImagesPath, testImages.Count);
        if (trainImages.Rows != testImages.Rows || trainImages.Columns != testImages.Columns)
            throw new InvalidDataException($"{testImagesPath}: images are {testImages.Rows}x{testImages.Columns}, "
                + $"but the training images in {trainImagesPath} are {trainImages.Rows}x{trainImages.Columns}");

        LabeledData? train = null, test = null;
        try
        {
            train = ToLabeledData(trainImages, trainLabels, options.TrainLimit);
            test = ToLabeledData(testImages, testLabels, options.TestLimit);
            return new Dataset(train, test, ClassNames) { Augmentation = options.CreateAugmentation() };
        }
        catch
        {
            train?.Dispose();
            test?.Dispose();
            throw;
        }
    }

    /// <summary>The raw file if it exists, else the gzip'd one. Raw wins when both exist: it is what a user gets by
    /// decompressing in place, and it reads faster.</summary>
    private string Find(string directory, string name)
    {
        var raw = System.IO.Path.Combine(directory, name);
        if (DatasetFiles.IsFile(raw)) return raw;
        var gz = raw + ".gz";
        if (DatasetFiles.IsFile(gz)) return gz;
        if ((DatasetFiles.WhyNotAFile(raw) ?? DatasetFiles.WhyNotAFile(gz)) is { } why) throw new InvalidDataException($"{why}; {DisplayName} needs it as a file");
        throw new FileNotFoundException($"{DisplayName} file missing in {directory}: tried {name} and {name}.gz. To get the data, {InstallHint}.", raw);
    }

    private LabeledData ToLabeledData(IdxImages images, byte[] labels, int limit)
    {
        var count = limit == 0 ? images.Count : Math.Min(limit, images.Count);
        var pixelsPerImage = (long)images.Rows * images.Columns;

        using var scope = NewDisposeScope();
        // The pixels stay bytes, a quarter of float32; the engine converts and normalises each batch (Normalization.Apply).
        // frombuffer shares the managed array, so the clone makes the tensor that is kept.
        var inputs = frombuffer(images.Pixels, ScalarType.Byte, count: count * pixelsPerImage)
            .reshape(count, 1, images.Rows, images.Columns)
            .clone();
        var targets = frombuffer(labels, ScalarType.Byte, count: count).to_type(ScalarType.Int64);
        // Detached, not moved to an outer scope: the dataset owns these tensors for the whole run, whatever scope the caller has open.
        return new LabeledData(inputs.DetachFromDisposeScope(), targets.DetachFromDisposeScope(), new Normalization([Mean], [Std]));
    }

    private byte[] ReadLabels(string labelsPath, string imagesPath, int imageCount)
    {
        var labels = IdxReader.ReadLabels(labelsPath);
        if (labels.Length != imageCount)
            throw new InvalidDataException($"{labelsPath}: holds {labels.Length:N0} labels, but {imagesPath} holds {imageCount:N0} images; the two files must match one to one");
        var classes = ClassNames.Length;
        var bad = Array.FindIndex(labels, label => label >= classes);
        if (bad >= 0)
            throw new InvalidDataException($"{labelsPath}: label {labels[bad]} at index {bad} is out of range: {DisplayName} has {classes} classes (0..{classes - 1})");
        return labels;
    }
}
