using System.ComponentModel.DataAnnotations;
using System.Reflection;
using TorchSharp;
using Winnow.Plugins.Datasets;
using static TorchSharp.torch;

namespace Winnow.Tests.Datasets;

[TestClass]
public sealed class CifarDatasetTests
{
    private static readonly float[] Mean10 = [0.4914f, 0.4822f, 0.4465f];
    private static readonly float[] Std10 = [0.2470f, 0.2435f, 0.2616f];
    private static readonly float[] Mean100 = [0.5071f, 0.4865f, 0.4409f];
    private static readonly float[] Std100 = [0.2673f, 0.2564f, 0.2762f];
    private static readonly string[] TrainBatches = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    private TempDirectory dir = null!;

    [TestInitialize]
    public void CreateFolder() => dir = new TempDirectory();

    [TestCleanup]
    public void DeleteFolder() => dir.Dispose();

    /// <summary>Writes the five CIFAR-10 training batches (3, 4, 3, 3 and 5 records) and the test batch (4 records); returns every
    /// record's pixels and labels, training records in file order.</summary>
    private (byte[][] TrainPixels, byte[] TrainLabels, byte[][] TestPixels, byte[] TestLabels) WriteCifar10(int[]? batchSizes = null, int testCount = 4)
    {
        batchSizes ??= [3, 4, 3, 3, 5];
        var trainPixels = new List<byte[]>();
        var trainLabels = new List<byte>();
        var first = 0;
        for (var b = 0; b < 5; b++)
        {
            var pixels = CifarFiles.PatternPixels(batchSizes[b], first);
            var labels = Enumerable.Range(first, batchSizes[b]).Select(n => (byte)((7 * n + 3) % 10)).ToArray();
            File.WriteAllBytes(dir.File(TrainBatches[b]), CifarFiles.Records([.. labels.Select(l => new[] { l })], pixels));
            trainPixels.AddRange(pixels);
            trainLabels.AddRange(labels);
            first += batchSizes[b];
        }
        var testPixels = CifarFiles.PatternPixels(testCount, salt: 100);
        var testLabels = Enumerable.Range(0, testCount).Select(n => (byte)(9 - n % 10)).ToArray();
        File.WriteAllBytes(dir.File("test_batch.bin"), CifarFiles.Records([.. testLabels.Select(l => new[] { l })], testPixels));
        return ([.. trainPixels], [.. trainLabels], testPixels, testLabels);
    }

    /// <summary>Writes CIFAR-100's train.bin (5 records) and test.bin (3 records); labels are (coarse, fine) pairs.</summary>
    private (byte[][] TrainPixels, byte[][] TrainLabels, byte[][] TestLabels) WriteCifar100(int trainCount = 5, int testCount = 3)
    {
        var trainPixels = CifarFiles.PatternPixels(trainCount);
        byte[][] trainLabels = [.. Enumerable.Range(0, trainCount).Select(n => new[] { (byte)(19 - n), (byte)(99 - 13 * n) })];
        byte[][] testLabels = [.. Enumerable.Range(0, testCount).Select(n => new[] { (byte)n, (byte)(50 + n) })];
        File.WriteAllBytes(dir.File("train.bin"), CifarFiles.Records(trainLabels, trainPixels));
        File.WriteAllBytes(dir.File("test.bin"), CifarFiles.Records(testLabels, CifarFiles.PatternPixels(testCount, salt: 9)));
        return (trainPixels, trainLabels, testLabels);
    }

    private Dataset Open10(Action<Cifar10Options>? configure = null)
    {
        var options = new Cifar10Options { Path = dir.Path };
        configure?.Invoke(options);
        return ((IDatasetPlugin)new Cifar10DatasetPlugin()).Open(options, new DatasetContext("/nonexistent-base", Seed: 1));
    }

    private Dataset Open100(Cifar100Labels labels = Cifar100Labels.Fine, int trainLimit = 0) =>
        ((IDatasetPlugin)new Cifar100DatasetPlugin()).Open(new Cifar100Options { Path = dir.Path, Labels = labels, TrainLimit = trainLimit }, new DatasetContext("/", 1));

    /// <summary>Checks every element of <paramref name="inputs"/> against the record bytes, read the way the format defines them.</summary>
    private static void AssertPixels(byte[][] records, Tensor inputs, float[] mean, float[] std, string what)
    {
        CollectionAssert.AreEqual(new long[] { records.Length, 3, 32, 32 }, inputs.shape, what);
        var values = inputs.data<float>().ToArray();
        for (var n = 0; n < records.Length; n++)
            for (var c = 0; c < 3; c++)
                for (var i = 0; i < 32; i++)
                    for (var k = 0; k < 32; k++)
                    {
                        var expected = CifarFiles.Normalised(records[n][c * 1024 + i * 32 + k], mean[c], std[c]);
                        var actual = values[((n * 3 + c) * 32 + i) * 32 + k];
                        if (Math.Abs(expected - actual) > 1e-5f)
                            Assert.Fail($"{what}: [{n}, {c}, {i}, {k}] is {actual}, expected {expected}");
                    }
    }

    [TestMethod]
    public void Cifar10ReadsEveryBatchInOrderWithExactValues()
    {
        var (trainPixels, trainLabels, testPixels, testLabels) = WriteCifar10();

        using var data = Open10();

        Assert.AreEqual(18, data.Train.Count);
        Assert.AreEqual(4, data.Test.Count);
        CollectionAssert.AreEqual(new long[] { 3, 32, 32 }, data.SampleShape);
        Assert.AreEqual(ScalarType.Byte, data.Train.Inputs.dtype, "the pixels stay bytes until the batch");
        Assert.AreEqual(new Normalization(Mean10, Std10), data.Train.Normalization);
        Assert.AreEqual(ScalarType.Int64, data.Train.Labels.dtype);
        AssertPixels(trainPixels, data.Train.ModelInputs(), Mean10, Std10, "train");
        AssertPixels(testPixels, data.Test.ModelInputs(), Mean10, Std10, "test");
        CollectionAssert.AreEqual(trainLabels.Select(l => (long)l).ToArray(), data.Train.Labels.data<long>().ToArray());
        CollectionAssert.AreEqual(testLabels.Select(l => (long)l).ToArray(), data.Test.Labels.data<long>().ToArray());
        CollectionAssert.AreEqual(
            new[] { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" }, data.ClassNames.ToArray());
    }

    [TestMethod]
    public void KnownRecordMapsPlanesToChannelsRowMajorWithTheStandardStatistics()
    {
        // Red plane all 255 except row 1, column 2; green all 0; blue all 128 except the last pixel.
        var pixels = new byte[3072];
        Array.Fill(pixels, (byte)255, 0, 1024);
        Array.Fill(pixels, (byte)128, 2048, 1024);
        pixels[1 * 32 + 2] = 0;
        pixels[1024 + 5 * 32 + 6] = 200;
        pixels[2048 + 1023] = 0;
        foreach (var name in TrainBatches.Append("test_batch.bin"))
            File.WriteAllBytes(dir.File(name), CifarFiles.Records([[6]], [pixels]));
        File.WriteAllBytes(dir.File("train.bin"), CifarFiles.Records([[3, 42]], [pixels]));
        File.WriteAllBytes(dir.File("test.bin"), CifarFiles.Records([[3, 42]], [pixels]));

        using var cifar10 = Open10();
        using var cifar100 = Open100();

        // Worked out by hand: (pixel / 255 - mean[c]) / std[c].
        var x = cifar10.Train.ModelInputs();
        Assert.AreEqual(2.059109f, x[0, 0, 0, 0].item<float>(), 1e-5f, "red 255");
        Assert.AreEqual(-1.989474f, x[0, 0, 1, 2].item<float>(), 1e-5f, "red 0 at row 1, column 2");
        Assert.AreEqual(2.059109f, x[0, 0, 2, 1].item<float>(), 1e-5f, "red 255 at row 2, column 1");
        Assert.AreEqual(-1.980287f, x[0, 1, 0, 0].item<float>(), 1e-5f, "green 0");
        Assert.AreEqual(1.240713f, x[0, 1, 5, 6].item<float>(), 1e-5f, "green 200 at row 5, column 6");
        Assert.AreEqual(0.212006f, x[0, 2, 0, 0].item<float>(), 1e-5f, "blue 128");
        Assert.AreEqual(-1.706804f, x[0, 2, 31, 31].item<float>(), 1e-5f, "blue 0 at row 31, column 31");
        Assert.AreEqual(6L, cifar10.Train.Labels[0].item<long>());

        var y = cifar100.Train.ModelInputs();
        Assert.AreEqual(1.843996f, y[0, 0, 0, 0].item<float>(), 1e-5f, "CIFAR-100 red 255");
        Assert.AreEqual(-1.897426f, y[0, 1, 0, 0].item<float>(), 1e-5f, "CIFAR-100 green 0");
        Assert.AreEqual(0.221075f, y[0, 2, 0, 0].item<float>(), 1e-5f, "CIFAR-100 blue 128");
        Assert.AreEqual(42L, cifar100.Train.Labels[0].item<long>());
    }

    [TestMethod]
    public void Cifar100ChoosesFineOrCoarseLabels()
    {
        var (trainPixels, trainLabels, testLabels) = WriteCifar100();

        using var fine = Open100(Cifar100Labels.Fine);
        using var coarse = Open100(Cifar100Labels.Coarse);

        // Two label bytes precede the pixels: the pixels are the same whichever label is used.
        AssertPixels(trainPixels, fine.Train.ModelInputs(), Mean100, Std100, "fine");
        AssertPixels(trainPixels, coarse.Train.ModelInputs(), Mean100, Std100, "coarse");
        CollectionAssert.AreEqual(trainLabels.Select(l => (long)l[1]).ToArray(), fine.Train.Labels.data<long>().ToArray());
        CollectionAssert.AreEqual(testLabels.Select(l => (long)l[1]).ToArray(), fine.Test.Labels.data<long>().ToArray());
        CollectionAssert.AreEqual(trainLabels.Select(l => (long)l[0]).ToArray(), coarse.Train.Labels.data<long>().ToArray());
        CollectionAssert.AreEqual(testLabels.Select(l => (long)l[0]).ToArray(), coarse.Test.Labels.data<long>().ToArray());
        Assert.HasCount(100, fine.ClassNames);
        Assert.AreEqual("class 99", fine.ClassNames[99]);
        Assert.HasCount(20, coarse.ClassNames);
        Assert.AreEqual("class 0", coarse.ClassNames[0]);
    }

    [TestMethod]
    public void LimitsTakeTheFirstRecordsInFileOrder()
    {
        var (trainPixels, trainLabels, _, testLabels) = WriteCifar10();
        // A bad label past the limit is never read: a limit exists to make trials quick.
        var last = File.ReadAllBytes(dir.File("data_batch_5.bin"));
        last[0] = 200;
        File.WriteAllBytes(dir.File("data_batch_5.bin"), last);

        using var data = Open10(o => { o.TrainLimit = 5; o.TestLimit = 100; });

        // 3 records from data_batch_1.bin, then 2 from data_batch_2.bin.
        AssertPixels(trainPixels[..5], data.Train.ModelInputs(), Mean10, Std10, "train");
        CollectionAssert.AreEqual(trainLabels[..5].Select(l => (long)l).ToArray(), data.Train.Labels.data<long>().ToArray());
        // A limit above the split's size takes it whole.
        CollectionAssert.AreEqual(testLabels.Select(l => (long)l).ToArray(), data.Test.Labels.data<long>().ToArray());

        var (pixels100, labels100, _) = WriteCifar100();
        using var limited100 = Open100(trainLimit: 2);
        AssertPixels(pixels100[..2], limited100.Train.ModelInputs(), Mean100, Std100, "CIFAR-100 train");
        CollectionAssert.AreEqual(labels100[..2].Select(l => (long)l[1]).ToArray(), limited100.Train.Labels.data<long>().ToArray());
    }

    [TestMethod]
    public void TruncatedFileGivesItsLengthAndTheRecordSize()
    {
        WriteCifar10();
        var path = dir.File("data_batch_3.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..(2 * 3073 + 100)]);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Open10());

        Assert.Contains(path, ex.Message);
        Assert.Contains($"length {2 * 3073 + 100:N0} bytes", ex.Message);
        Assert.Contains($"{3073:N0}-byte record size", ex.Message);
    }

    [TestMethod]
    public void TruncatedCifar100FileCountsTwoLabelBytes()
    {
        WriteCifar100();
        var path = dir.File("test.bin");
        // One CIFAR-10 record (3,073 bytes) is not a CIFAR-100 record (3,074).
        File.WriteAllBytes(path, new byte[3073]);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Open100());

        Assert.Contains(path, ex.Message);
        Assert.Contains($"length {3073:N0} bytes", ex.Message);
        Assert.Contains($"{3074:N0}-byte record size", ex.Message);
    }

    [TestMethod]
    public void EmptyFileIsRejected()
    {
        WriteCifar10();
        File.WriteAllBytes(dir.File("test_batch.bin"), []);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Open10());

        Assert.Contains(dir.File("test_batch.bin"), ex.Message);
        Assert.Contains("empty", ex.Message);
    }

    [TestMethod]
    public void LabelOutOfRangeNamesTheFileRecordAndValue()
    {
        WriteCifar10();
        var path = dir.File("data_batch_4.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[2 * 3073] = 10;
        File.WriteAllBytes(path, bytes);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Open10());

        Assert.Contains(path, ex.Message);
        Assert.Contains("record 2", ex.Message);
        Assert.Contains("label 10", ex.Message);
        Assert.Contains("0..9", ex.Message);
    }

    [TestMethod]
    public void Cifar100ChecksBothLabelsWhicheverIsUsed()
    {
        WriteCifar100();
        var path = dir.File("test.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[1 * 3074 + 1] = 100;
        File.WriteAllBytes(path, bytes);

        var fine = Assert.ThrowsExactly<InvalidDataException>(() => Open100(Cifar100Labels.Fine));
        Assert.Contains(path, fine.Message);
        Assert.Contains("record 1", fine.Message);
        Assert.Contains("fine label 100", fine.Message);

        bytes[1 * 3074 + 1] = 99;
        bytes[2 * 3074] = 20;
        File.WriteAllBytes(path, bytes);
        var coarse = Assert.ThrowsExactly<InvalidDataException>(() => Open100(Cifar100Labels.Fine));
        Assert.Contains("record 2", coarse.Message);
        Assert.Contains("coarse label 20", coarse.Message);
    }

    [TestMethod]
    public void MissingFolderSaysWhereAndHowToGetTheData()
    {
        var missing = Path.Combine(dir.Path, "not-there");

        var ex = Assert.ThrowsExactly<DirectoryNotFoundException>(() =>
            ((IDatasetPlugin)new Cifar10DatasetPlugin()).Open(new Cifar10Options { Path = missing }, new DatasetContext("/", 0)));
        var ex100 = Assert.ThrowsExactly<DirectoryNotFoundException>(() =>
            ((IDatasetPlugin)new Cifar100DatasetPlugin()).Open(new Cifar100Options { Path = missing }, new DatasetContext("/", 0)));

        Assert.Contains(missing, ex.Message);
        Assert.Contains("cifar-10-binary.tar.gz", ex.Message);
        Assert.Contains("Run:Dataset:Options:Path", ex.Message);
        Assert.Contains(missing, ex100.Message);
        Assert.Contains("cifar-100-binary.tar.gz", ex100.Message);
    }

    [TestMethod]
    public void MissingFileIsNamedBeforeAnythingIsRead()
    {
        WriteCifar10();
        File.Delete(dir.File("data_batch_5.bin"));
        // A defect in an earlier file is not what gets reported: every file is found first.
        File.WriteAllBytes(dir.File("data_batch_1.bin"), [1, 2, 3]);

        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => Open10());

        Assert.AreEqual(dir.File("data_batch_5.bin"), ex.FileName);
        Assert.Contains(dir.File("data_batch_5.bin"), ex.Message);
    }

    [TestMethod]
    public void ClassNamesComeFromTheMetaFilesWhenPresent()
    {
        WriteCifar10();
        string[] names = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "lorry"];
        // As in the real file: one name per line, then blank lines.
        File.WriteAllText(dir.File("batches.meta.txt"), string.Join("\n", names) + "\n\n\n");
        WriteCifar100();
        File.WriteAllLines(dir.File("fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"fine-{i}"));
        File.WriteAllLines(dir.File("coarse_label_names.txt"), Enumerable.Range(0, 20).Select(i => $" coarse-{i} "));

        using var cifar10 = Open10();
        using var fine = Open100(Cifar100Labels.Fine);
        using var coarse = Open100(Cifar100Labels.Coarse);

        CollectionAssert.AreEqual(names, cifar10.ClassNames.ToArray());
        Assert.AreEqual("fine-0", fine.ClassNames[0]);
        Assert.AreEqual("fine-99", fine.ClassNames[99]);
        Assert.HasCount(20, coarse.ClassNames);
        Assert.AreEqual("coarse-19", coarse.ClassNames[19]);
    }

    [TestMethod]
    public void BadMetaFilesAreReportedByPath()
    {
        WriteCifar10();
        var meta = dir.File("batches.meta.txt");

        File.WriteAllLines(meta, ["a", "b", "c", "d", "e", "f", "g", "h", "i"]);
        var short9 = Assert.ThrowsExactly<InvalidDataException>(() => Open10());
        Assert.Contains(meta, short9.Message);
        Assert.Contains("lists 9 class names", short9.Message);
        Assert.Contains("10", short9.Message);

        File.WriteAllLines(meta, ["a", "b", "", "d", "e", "f", "g", "h", "i", "j"]);
        var blank = Assert.ThrowsExactly<InvalidDataException>(() => Open10());
        Assert.Contains(meta, blank.Message);
        Assert.Contains("line 3 is blank", blank.Message);

        File.WriteAllLines(meta, ["a", "b", "c", "d", "e", "f", "g", "h", "c", "j"]);
        var twice = Assert.ThrowsExactly<InvalidDataException>(() => Open10());
        Assert.Contains(meta, twice.Message);
        Assert.Contains("'c' appears on lines 3 and 9", twice.Message);
    }

    [TestMethod]
    public void RelativePathResolvesAgainstTheBaseDirectory()
    {
        var sub = Path.Combine(dir.Path, "data", "c100");
        Directory.CreateDirectory(sub);
        File.WriteAllBytes(Path.Combine(sub, "train.bin"), CifarFiles.Records([[1, 2], [3, 4]], CifarFiles.PatternPixels(2)));
        File.WriteAllBytes(Path.Combine(sub, "test.bin"), CifarFiles.Records([[5, 6]], CifarFiles.PatternPixels(1)));

        using var data = ((IDatasetPlugin)new Cifar100DatasetPlugin()).Open(new Cifar100Options { Path = Path.Combine("data", "c100") }, new DatasetContext(dir.Path, 0));

        Assert.AreEqual(2, data.Train.Count);
        Assert.AreEqual(6L, data.Test.Labels[0].item<long>());
    }

    [TestMethod]
    public void AugmentationFollowsTheOptions()
    {
        WriteCifar10();

        using var standard = Open10();
        using var off = Open10(o => o.Augment = false);
        using var nothing = Open10(o => { o.CropPadding = 0; o.HorizontalFlip = false; });
        using var cropOnly = Open10(o => { o.CropPadding = 2; o.HorizontalFlip = false; });

        var augmentation = Assert.IsInstanceOfType<CropFlipAugmentation>(standard.Augmentation);
        Assert.AreEqual(4, augmentation.Padding);
        Assert.IsTrue(augmentation.Flip);
        Assert.IsNull(off.Augmentation);
        Assert.IsNull(nothing.Augmentation, "an augmentation that does nothing is left out");
        var crop = Assert.IsInstanceOfType<CropFlipAugmentation>(cropOnly.Augmentation);
        Assert.AreEqual(2, crop.Padding);
        Assert.IsFalse(crop.Flip);
    }

    [TestMethod]
    public void OptionsHaveDocumentedDefaultsAndValidate()
    {
        var c10 = new Cifar10Options();
        var c100 = new Cifar100Options();
        Assert.AreEqual("/usr/share/datasets/cifar-10-batches-bin", c10.Path);
        Assert.AreEqual("/usr/share/datasets/cifar-100-binary", c100.Path);
        Assert.AreEqual(Cifar100Labels.Fine, c100.Labels);
        foreach (var o in new ImageDatasetOptions[] { c10, c100 })
        {
            Assert.AreEqual(0, o.TrainLimit);
            Assert.AreEqual(0, o.TestLimit);
            Assert.IsTrue(o.Augment);
            Assert.AreEqual(4, o.CropPadding);
            Assert.IsTrue(o.HorizontalFlip);
        }

        Assert.IsTrue(IsValid(new Cifar10Options { CropPadding = 0 }));
        Assert.IsTrue(IsValid(new Cifar10Options { CropPadding = 16 }));
        Assert.IsFalse(IsValid(new Cifar10Options { CropPadding = 17 }));
        Assert.IsFalse(IsValid(new Cifar100Options { CropPadding = -1 }));
        Assert.IsFalse(IsValid(new Cifar10Options { TrainLimit = -1 }));
        Assert.IsFalse(IsValid(new Cifar100Options { Path = "" }));
        Assert.IsFalse(IsValid(new Cifar100Options { Labels = (Cifar100Labels)7 }));
        // The plugin validates again, naming itself.
        var ex = Assert.ThrowsExactly<ValidationException>(() =>
            ((IDatasetPlugin)new Cifar10DatasetPlugin()).Open(new Cifar10Options { CropPadding = 20 }, new DatasetContext("/", 0)));
        Assert.Contains("cifar10", ex.Message);
    }

    [TestMethod]
    public void PluginsAreExportedUnderTheirNames()
    {
        Assert.AreEqual("cifar10", typeof(Cifar10DatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Name);
        Assert.AreEqual("cifar100", typeof(Cifar100DatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Name);
        Assert.AreEqual(PluginKind.Dataset, typeof(Cifar10DatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Kind);
        Assert.AreEqual(PluginKind.Dataset, typeof(Cifar100DatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Kind);
        Assert.AreEqual(typeof(Cifar10Options), new Cifar10DatasetPlugin().OptionsType);
        Assert.AreEqual(typeof(Cifar100Options), new Cifar100DatasetPlugin().OptionsType);
    }

    private static bool IsValid(object options) =>
        Validator.TryValidateObject(options, new ValidationContext(options), validationResults: null, validateAllProperties: true);
}
