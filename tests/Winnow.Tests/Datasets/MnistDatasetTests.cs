using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Reflection;
using TorchSharp;
using Winnow.Plugins.Datasets;
using static TorchSharp.torch;

namespace Winnow.Tests.Datasets;

[TestClass]
public sealed class MnistDatasetTests
{
    private const int Rows = 3;
    private const int Columns = 4;
    private const int Pixels = Rows * Columns;

    private TempDirectory dir = null!;

    [TestInitialize]
    public void CreateFolder() => dir = new TempDirectory();

    [TestCleanup]
    public void DeleteFolder() => dir.Dispose();

    /// <summary>Writes the four files with non-square images (so swapped rows and columns would show); returns the pixels and labels written.</summary>
    private (byte[] TrainPixels, byte[] TrainLabels, byte[] TestPixels, byte[] TestLabels) WriteSet(
        int trainCount = 5, int testCount = 3, int? trainLabelCount = null, bool gzipTrainImages = true, bool gzipTestLabels = true)
    {
        var trainPixels = IdxFiles.Pattern(trainCount, Pixels);
        var testPixels = IdxFiles.Pattern(testCount, Pixels, salt: 100);
        var trainLabels = Enumerable.Range(0, trainLabelCount ?? trainCount).Select(i => (byte)(9 - i % 10)).ToArray();
        var testLabels = Enumerable.Range(0, testCount).Select(i => (byte)(i % 10)).ToArray();
        // Raw and gzip'd files mixed in one folder, as a user who decompressed only some of them would have.
        IdxFiles.Write(dir.File("train-images-idx3-ubyte" + (gzipTrainImages ? ".gz" : "")), IdxFiles.Images(trainCount, Rows, Columns, trainPixels), gzipTrainImages);
        IdxFiles.Write(dir.File("train-labels-idx1-ubyte"), IdxFiles.Labels(trainLabels));
        IdxFiles.Write(dir.File("t10k-images-idx3-ubyte"), IdxFiles.Images(testCount, Rows, Columns, testPixels));
        IdxFiles.Write(dir.File("t10k-labels-idx1-ubyte" + (gzipTestLabels ? ".gz" : "")), IdxFiles.Labels(testLabels), gzipTestLabels);
        return (trainPixels, trainLabels, testPixels, testLabels);
    }

    private Dataset OpenFashion(int trainLimit = 0, int testLimit = 0) =>
        ((IDatasetPlugin)new FashionMnistDatasetPlugin()).Open(
            new FashionMnistOptions { Path = dir.Path, TrainLimit = trainLimit, TestLimit = testLimit },
            new DatasetContext("/nonexistent-base", Seed: 1));

    private static float Normalised(byte pixel, float mean, float std) => (pixel / 255f - mean) / std;

    [TestMethod]
    public void OpensMixedRawAndGzipFilesWithExactValues()
    {
        var (trainPixels, trainLabels, testPixels, testLabels) = WriteSet();

        using var data = OpenFashion();

        CollectionAssert.AreEqual(new long[] { 5, 1, Rows, Columns }, data.Train.Inputs.shape);
        CollectionAssert.AreEqual(new long[] { 3, 1, Rows, Columns }, data.Test.Inputs.shape);
        CollectionAssert.AreEqual(new long[] { 1, Rows, Columns }, data.SampleShape);
        Assert.AreEqual(ScalarType.Byte, data.Train.Inputs.dtype, "the pixels stay bytes until the batch");
        Assert.AreEqual(new Normalization([0.2860f], [0.3530f]), data.Train.Normalization);
        Assert.AreEqual(ScalarType.Int64, data.Train.Labels.dtype);

        var train = data.Train.ModelInputs().data<float>().ToArray();
        var test = data.Test.ModelInputs().data<float>().ToArray();
        Assert.HasCount(trainPixels.Length, train);
        for (var i = 0; i < trainPixels.Length; i++)
            Assert.AreEqual(Normalised(trainPixels[i], 0.2860f, 0.3530f), train[i], 1e-5f, $"train element {i}");
        for (var i = 0; i < testPixels.Length; i++)
            Assert.AreEqual(Normalised(testPixels[i], 0.2860f, 0.3530f), test[i], 1e-5f, $"test element {i}");
        // The row-major layout survives: image 1, row 2, column 3 is flat pixel 1 * 12 + 2 * 4 + 3.
        Assert.AreEqual(Normalised(trainPixels[12 + 8 + 3], 0.2860f, 0.3530f), data.Train.ModelInputs()[1, 0, 2, 3].item<float>(), 1e-5f);

        CollectionAssert.AreEqual(trainLabels.Select(l => (long)l).ToArray(), data.Train.Labels.data<long>().ToArray());
        CollectionAssert.AreEqual(testLabels.Select(l => (long)l).ToArray(), data.Test.Labels.data<long>().ToArray());
        Assert.HasCount(10, data.ClassNames);
        Assert.AreEqual("T-shirt/top", data.ClassNames[0]);
        Assert.AreEqual("Ankle boot", data.ClassNames[9]);
    }

    [TestMethod]
    public void NormalisationMathsOnKnownBytes()
    {
        // 0 and 255 are the ends of the scale; 73 is the byte nearest the Fashion-MNIST mean (0.2860 * 255 = 72.9).
        byte[] pixels = [0, 255, 73, 128, 1, 254, 10, 20, 30, 40, 50, 60];
        IdxFiles.Write(dir.File("train-images-idx3-ubyte"), IdxFiles.Images(1, Rows, Columns, pixels));
        IdxFiles.Write(dir.File("train-labels-idx1-ubyte"), IdxFiles.Labels([4]));
        IdxFiles.Write(dir.File("t10k-images-idx3-ubyte"), IdxFiles.Images(1, Rows, Columns, pixels));
        IdxFiles.Write(dir.File("t10k-labels-idx1-ubyte"), IdxFiles.Labels([4]));

        using var data = OpenFashion();
        var values = data.Train.ModelInputs().data<float>().ToArray();

        // Expected values worked out by hand: (pixel / 255 - 0.2860) / 0.3530.
        Assert.AreEqual(-0.810198, values[0], 1e-5);
        Assert.AreEqual(2.022663, values[1], 1e-5);
        Assert.AreEqual(0.000778, values[2], 1e-5);
        Assert.AreEqual(0.611787, values[3], 1e-5);
    }

    [TestMethod]
    public void MnistUsesItsOwnStatisticsAndClassNames()
    {
        WriteSet();
        using var data = ((IDatasetPlugin)new MnistDatasetPlugin()).Open(new MnistOptions { Path = dir.Path }, new DatasetContext("/", 0));

        // Pixel 5 of the pattern is the first training pixel.
        Assert.AreEqual((5 / 255f - 0.1307f) / 0.3081f, data.Train.ModelInputs().data<float>()[0], 1e-6f);
        CollectionAssert.AreEqual(new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, data.ClassNames.ToArray());
    }

    [TestMethod]
    public void LimitsTakeTheFirstSamples()
    {
        var (trainPixels, trainLabels, _, testLabels) = WriteSet(trainCount: 6, testCount: 4);

        using var data = OpenFashion(trainLimit: 2, testLimit: 100);

        Assert.AreEqual(2, data.Train.Count);
        CollectionAssert.AreEqual(new long[] { 2, 1, Rows, Columns }, data.Train.Inputs.shape);
        CollectionAssert.AreEqual(trainLabels[..2].Select(l => (long)l).ToArray(), data.Train.Labels.data<long>().ToArray());
        var train = data.Train.ModelInputs().data<float>().ToArray();
        for (var i = 0; i < 2 * Pixels; i++)
            Assert.AreEqual(Normalised(trainPixels[i], 0.2860f, 0.3530f), train[i], 1e-5f);
        // A limit above the split's size takes it whole.
        Assert.AreEqual(4, data.Test.Count);
        CollectionAssert.AreEqual(testLabels.Select(l => (long)l).ToArray(), data.Test.Labels.data<long>().ToArray());
    }

    [TestMethod]
    public void RawFileWinsOverGzipWhenBothExist()
    {
        WriteSet();
        IdxFiles.Write(dir.File("train-labels-idx1-ubyte.gz"), IdxFiles.Labels([0, 0, 0, 0, 0]), gzip: true);

        using var data = OpenFashion();

        Assert.AreEqual(9L, data.Train.Labels[0].item<long>());
    }

    [TestMethod]
    public void RelativePathResolvesAgainstTheBaseDirectory()
    {
        var sub = Path.Combine(dir.Path, "data", "fmnist");
        Directory.CreateDirectory(sub);
        var trainPixels = IdxFiles.Pattern(2, Pixels);
        IdxFiles.Write(Path.Combine(sub, "train-images-idx3-ubyte"), IdxFiles.Images(2, Rows, Columns, trainPixels));
        IdxFiles.Write(Path.Combine(sub, "train-labels-idx1-ubyte"), IdxFiles.Labels([1, 2]));
        IdxFiles.Write(Path.Combine(sub, "t10k-images-idx3-ubyte"), IdxFiles.Images(1, Rows, Columns, trainPixels[..Pixels]));
        IdxFiles.Write(Path.Combine(sub, "t10k-labels-idx1-ubyte"), IdxFiles.Labels([3]));

        using var data = ((IDatasetPlugin)new FashionMnistDatasetPlugin()).Open(
            new FashionMnistOptions { Path = Path.Combine("data", "fmnist") }, new DatasetContext(dir.Path, 0));

        Assert.AreEqual(2, data.Train.Count);
        Assert.AreEqual(3L, data.Test.Labels[0].item<long>());
    }

    [TestMethod]
    public void CountMismatchNamesBothFiles()
    {
        WriteSet(trainCount: 5, trainLabelCount: 4);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OpenFashion());

        Assert.Contains(dir.File("train-labels-idx1-ubyte"), ex.Message);
        Assert.Contains(dir.File("train-images-idx3-ubyte.gz"), ex.Message);
        Assert.Contains("4 labels", ex.Message);
        Assert.Contains("5 images", ex.Message);
    }

    [TestMethod]
    public void LabelOutOfRangeIsRejected()
    {
        WriteSet();
        IdxFiles.Write(dir.File("train-labels-idx1-ubyte"), IdxFiles.Labels([0, 1, 10, 3, 4]));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OpenFashion());

        Assert.Contains(dir.File("train-labels-idx1-ubyte"), ex.Message);
        Assert.Contains("label 10 at index 2", ex.Message);
    }

    [TestMethod]
    public void TrainAndTestImageSizesMustAgree()
    {
        WriteSet();
        IdxFiles.Write(dir.File("t10k-images-idx3-ubyte"), IdxFiles.Images(3, Columns, Rows, IdxFiles.Pattern(3, Pixels)));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OpenFashion());

        Assert.Contains(dir.File("t10k-images-idx3-ubyte"), ex.Message);
        Assert.Contains($"{Columns}x{Rows}", ex.Message);
        Assert.Contains($"{Rows}x{Columns}", ex.Message);
    }

    [TestMethod]
    public void CorruptFileInTheFolderIsReportedByPath()
    {
        WriteSet();
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), new byte[] { 0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 3, 0, 0, 0, 4, 1, 2, 3 });

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OpenFashion());

        Assert.Contains(dir.File("t10k-images-idx3-ubyte"), ex.Message);
        Assert.Contains("truncated", ex.Message);
    }

    [TestMethod]
    public void MissingFileListsBothNamesTriedAndTheFolder()
    {
        WriteSet();
        File.Delete(dir.File("t10k-labels-idx1-ubyte.gz"));

        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => OpenFashion());

        Assert.Contains(dir.Path, ex.Message);
        Assert.Contains("t10k-labels-idx1-ubyte and t10k-labels-idx1-ubyte.gz", ex.Message);
        Assert.AreEqual(dir.File("t10k-labels-idx1-ubyte"), ex.FileName);
    }

    [TestMethod]
    public void MissingFolderSaysWhereAndHowToInstall()
    {
        var missing = Path.Combine(dir.Path, "not-installed");

        var ex = Assert.ThrowsExactly<DirectoryNotFoundException>(() =>
            ((IDatasetPlugin)new FashionMnistDatasetPlugin()).Open(new FashionMnistOptions { Path = missing }, new DatasetContext("/", 0)));

        Assert.Contains(missing, ex.Message);
        Assert.Contains("dataset-fashion-mnist", ex.Message);
        Assert.Contains("Run:Dataset:Options:Path", ex.Message);
    }

    [TestMethod]
    public void OptionsHaveDocumentedDefaultsAndValidate()
    {
        Assert.AreEqual("/usr/share/datasets/fashion-mnist", new FashionMnistOptions().Path);
        Assert.AreEqual("/usr/share/datasets/mnist", new MnistOptions().Path);
        Assert.AreEqual(0, new FashionMnistOptions().TrainLimit);
        Assert.AreEqual(0, new FashionMnistOptions().TestLimit);

        Assert.IsTrue(IsValid(new FashionMnistOptions { TrainLimit = 100, TestLimit = 10 }));
        Assert.IsFalse(IsValid(new FashionMnistOptions { TrainLimit = -1 }));
        Assert.IsFalse(IsValid(new MnistOptions { TestLimit = -5 }));
        Assert.IsFalse(IsValid(new FashionMnistOptions { Path = "" }));
    }

    [TestMethod]
    public void AugmentationIsOffByDefaultAndFollowsTheOptions()
    {
        WriteSet();
        Assert.IsFalse(new FashionMnistOptions().Augment);
        Assert.IsFalse(new MnistOptions().Augment);
        Assert.AreEqual(4, new FashionMnistOptions().CropPadding);
        // Clothes look the same mirrored; digits do not.
        Assert.IsTrue(new FashionMnistOptions().HorizontalFlip);
        Assert.IsFalse(new MnistOptions().HorizontalFlip);
        Assert.IsFalse(IsValid(new FashionMnistOptions { CropPadding = 17 }));

        using var plain = OpenFashion();
        using var augmented = ((IDatasetPlugin)new FashionMnistDatasetPlugin()).Open(
            new FashionMnistOptions { Path = dir.Path, Augment = true, CropPadding = 2 }, new DatasetContext("/", 0));
        using var digits = ((IDatasetPlugin)new MnistDatasetPlugin()).Open(new MnistOptions { Path = dir.Path, Augment = true }, new DatasetContext("/", 0));

        Assert.IsNull(plain.Augmentation);
        var fashion = Assert.IsInstanceOfType<CropFlipAugmentation>(augmented.Augmentation);
        Assert.AreEqual(2, fashion.Padding);
        Assert.IsTrue(fashion.Flip);
        var mnist = Assert.IsInstanceOfType<CropFlipAugmentation>(digits.Augmentation);
        Assert.AreEqual(4, mnist.Padding);
        Assert.IsFalse(mnist.Flip);
        // It applies to batches of the dataset's own samples.
        using var batch = augmented.Train.ModelInputs()[..2];
        using var generator = new Generator(1, CPU);
        using var output = fashion.Apply(batch, generator);
        CollectionAssert.AreEqual(batch.shape, output.shape);
    }

    [TestMethod]
    public void PluginsAreExportedUnderTheirNames()
    {
        Assert.AreEqual("fashion-mnist", typeof(FashionMnistDatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Name);
        Assert.AreEqual("mnist", typeof(MnistDatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Name);
        Assert.AreEqual(PluginKind.Dataset, typeof(FashionMnistDatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Kind);
        Assert.AreEqual(PluginKind.Dataset, typeof(MnistDatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Kind);
        Assert.AreEqual(typeof(FashionMnistOptions), new FashionMnistDatasetPlugin().OptionsType);
        Assert.AreEqual(typeof(MnistOptions), new MnistDatasetPlugin().OptionsType);
    }

    [TestMethod]
    public void RealFashionMnistOpensThroughThePlugin()
    {
        const string installed = "/usr/share/datasets/fashion-mnist";
        if (!Directory.Exists(installed))
            Assert.Inconclusive($"{installed} is absent (Debian package dataset-fashion-mnist)");

        var clock = Stopwatch.StartNew();
        using var data = ((IDatasetPlugin)new FashionMnistDatasetPlugin()).Open(new FashionMnistOptions(), new DatasetContext("/", 0));
        clock.Stop();

        Assert.AreEqual(60000, data.Train.Count);
        Assert.AreEqual(10000, data.Test.Count);
        CollectionAssert.AreEqual(new long[] { 60000, 1, 28, 28 }, data.Train.Inputs.shape);
        CollectionAssert.AreEqual(new long[] { 10000, 1, 28, 28 }, data.Test.Inputs.shape);
        Assert.AreEqual(0L, data.Train.Labels.min().item<long>());
        Assert.AreEqual(9L, data.Train.Labels.max().item<long>());
        // Fashion-MNIST is balanced: 6,000 training images per class.
        CollectionAssert.AreEqual(Enumerable.Repeat(6000L, 10).ToArray(), data.Train.Labels.bincount(null).data<long>().ToArray());
        // Normalised with its own training statistics, the training inputs have mean about 0 and standard deviation about 1.
        Assert.AreEqual(0.0, data.Train.ModelInputs().mean().item<float>(), 0.01);
        Assert.AreEqual(1.0, data.Train.ModelInputs().std().item<float>(), 0.01);
        // Generous against a slow machine; it takes well under a second here.
        Assert.IsLessThan(5000L, clock.ElapsedMilliseconds, $"opening took {clock.ElapsedMilliseconds} ms");
    }

    private static bool IsValid(object options) =>
        Validator.TryValidateObject(options, new ValidationContext(options), validationResults: null, validateAllProperties: true);
}
