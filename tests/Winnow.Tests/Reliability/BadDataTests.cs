using Winnow.Tests.Datasets;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Reliability;

/// <summary>Bad data given to the real host as a user would give it: every defect stops the run before training with one message
/// naming the file and what is wrong, and leaves no run folder behind.</summary>
[TestClass]
public sealed class BadDataTests
{
    private const string TrainImages = "train-images-idx3-ubyte";
    private const string TrainLabels = "train-labels-idx1-ubyte";
    private const string TestImages = "t10k-images-idx3-ubyte";
    private const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>A valid MNIST-format folder: 12 training and 6 test images of 4×4 pixels, labels 0–9.</summary>
    private static string WriteMnist(TempFolder work)
    {
        var data = Directory.CreateDirectory(work.Combine("data")).FullName;
        IdxFiles.Write(Path.Combine(data, TrainImages), IdxFiles.Images(12, 4, 4, IdxFiles.Pattern(12, 16)));
        IdxFiles.Write(Path.Combine(data, TrainLabels), IdxFiles.Labels([.. Enumerable.Range(0, 12).Select(i => (byte)(i % 10))]));
        IdxFiles.Write(Path.Combine(data, TestImages), IdxFiles.Images(6, 4, 4, IdxFiles.Pattern(6, 16, salt: 3)));
        IdxFiles.Write(Path.Combine(data, TestLabels), IdxFiles.Labels([0, 1, 2, 3, 4, 5]));
        HostProcess.WriteConfig(work.Path, dataset: "mnist", datasetOptions: """{ "Path": "data" }""", policy: "full", policyOptions: "{}");
        return data;
    }

    /// <summary>A valid CIFAR-10 folder: two records in each of the five training batches and in the test batch.</summary>
    private static string WriteCifar10(TempFolder work)
    {
        var data = Directory.CreateDirectory(work.Combine("data")).FullName;
        foreach (var name in new[] { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin" })
            File.WriteAllBytes(Path.Combine(data, name), CifarFiles.Records([[3], [7]], CifarFiles.PatternPixels(2)));
        HostProcess.WriteConfig(work.Path, dataset: "cifar10", datasetOptions: """{ "Path": "data" }""", policy: "full", policyOptions: "{}");
        return data;
    }

    /// <summary>Runs the host on the prepared folder and checks the one-message, nothing-trained, nothing-written contract.</summary>
    private static void AssertRefusedBeforeTraining(TempFolder work, string file, string problem, bool asNobody = false)
    {
        var result = FaultHost.Run(work.Path, asNobody, []);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        var errors = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, errors, $"one message: {result}");
        StringAssert.Contains(errors[0], file, $"the message names the file: {result}");
        StringAssert.Contains(errors[0], problem, $"the message says what is wrong: {result}");
        Assert.DoesNotContain("Unhandled exception", result.Error, result.ToString());
        Assert.DoesNotContain("epoch 1", result.Output, $"nothing trained: {result}");
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), $"no run folder for a run that never started: {result}");
    }

    [TestMethod]
    public void TheValidFixturesTrain()
    {
        // The cases below break exactly one thing in these folders; here they are whole, so what refuses them is that one thing.
        using (var work = new TempFolder())
        {
            WriteMnist(work);
            var mnist = FaultHost.Run(work.Path, "--Run:Epochs=1");
            Assert.AreEqual(0, mnist.ExitCode, mnist.ToString());
        }
        using (var work = new TempFolder())
        {
            WriteCifar10(work);
            var cifar = FaultHost.Run(work.Path, "--Run:Epochs=1");
            Assert.AreEqual(0, cifar.ExitCode, cifar.ToString());
        }
    }

    [TestMethod]
    public void ATruncatedImagesFileIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteMnist(work), TrainImages);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^10]);

        AssertRefusedBeforeTraining(work, file, "truncated");
    }

    [TestMethod]
    public void ATruncatedGzipFileIsNamed()
    {
        using var work = new TempFolder();
        var data = WriteMnist(work);
        var file = Path.Combine(data, TestImages);
        var gz = IdxFiles.Gzip(File.ReadAllBytes(file));
        File.Delete(file);
        File.WriteAllBytes(file + ".gz", gz[..(gz.Length / 2)]);

        AssertRefusedBeforeTraining(work, file + ".gz", "truncated");
    }

    [TestMethod]
    public void AWrongMagicNumberIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteMnist(work), TrainLabels);
        var bytes = File.ReadAllBytes(file);
        bytes[0] = 0x50;
        bytes[1] = 0x4B;
        File.WriteAllBytes(file, bytes);

        AssertRefusedBeforeTraining(work, file, "wrong magic number");
    }

    [TestMethod]
    public void ImagesAndLabelsThatDifferInCountAreNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteMnist(work), TrainLabels);
        IdxFiles.Write(file, IdxFiles.Labels([.. Enumerable.Range(0, 11).Select(i => (byte)(i % 10))]));

        AssertRefusedBeforeTraining(work, file, "holds 11 labels, but");
    }

    [TestMethod]
    public void ALabelOutOfRangeIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteMnist(work), TestLabels);
        IdxFiles.Write(file, IdxFiles.Labels([0, 1, 2, 10, 4, 5]));

        AssertRefusedBeforeTraining(work, file, "label 10 at index 3 is out of range");
    }

    [TestMethod]
    public void AnEmptySplitIsNamed()
    {
        using var work = new TempFolder();
        var data = WriteMnist(work);
        IdxFiles.Write(Path.Combine(data, TestImages), IdxFiles.Images(0, 4, 4, []));
        IdxFiles.Write(Path.Combine(data, TestLabels), IdxFiles.Labels([]));

        AssertRefusedBeforeTraining(work, Path.Combine(data, TestImages), "holds no data");
    }

    [TestMethod]
    public void AnEmptyFileIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteMnist(work), TrainImages);
        File.WriteAllBytes(file, []);

        AssertRefusedBeforeTraining(work, file, "too short to be an IDX file");
    }

    [TestMethod]
    public void AMissingFileIsNamed()
    {
        using var work = new TempFolder();
        var data = WriteMnist(work);
        File.Delete(Path.Combine(data, TestLabels));

        AssertRefusedBeforeTraining(work, TestLabels, $"file missing in {data}");
    }

    [TestMethod]
    public void AMissingFolderIsNamed()
    {
        using var work = new TempFolder();
        var data = WriteMnist(work);
        Directory.Delete(data, recursive: true);

        AssertRefusedBeforeTraining(work, data, "folder not found");
    }

    [TestMethod]
    public void AnUnreadableFolderIsNamedAsUnreadableNotMissing()
    {
        using var work = new TempFolder();
        var data = WriteMnist(work);
        var asNobody = FaultHost.MakeUnreadable(data);
        try
        {
            if (asNobody) FaultHost.RequireNobody(work.Path);
            AssertRefusedBeforeTraining(work, data, "cannot be read", asNobody);
        }
        finally
        {
            FaultHost.SetMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [TestMethod]
    public void AnUnreadableFileIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteMnist(work), TrainLabels);
        var asNobody = FaultHost.MakeUnreadable(file);
        if (asNobody) FaultHost.RequireNobody(work.Path);

        AssertRefusedBeforeTraining(work, file, "denied", asNobody);
    }

    [TestMethod]
    public void AFolderWhereAFileBelongsIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteMnist(work), TrainImages);
        File.Delete(file);
        Directory.CreateDirectory(file);

        AssertRefusedBeforeTraining(work, file, "is a folder, not a file");
    }

    [TestMethod]
    public void ATruncatedCifarFileIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteCifar10(work), "data_batch_3.bin");
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..^100]);

        AssertRefusedBeforeTraining(work, file, "is not a multiple of the 3,073-byte record size");
    }

    [TestMethod]
    public void ACifarLabelOutOfRangeIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteCifar10(work), "test_batch.bin");
        File.WriteAllBytes(file, CifarFiles.Records([[3], [12]], CifarFiles.PatternPixels(2)));

        AssertRefusedBeforeTraining(work, file, "record 1 (counting from 0) has label 12, out of range");
    }

    [TestMethod]
    public void AnEmptyCifarSplitIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteCifar10(work), "test_batch.bin");
        File.WriteAllBytes(file, []);

        AssertRefusedBeforeTraining(work, file, "the file is empty");
    }

    [TestMethod]
    public void AMissingCifarFileIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteCifar10(work), "data_batch_5.bin");
        File.Delete(file);

        AssertRefusedBeforeTraining(work, file, "file missing");
    }

    [TestMethod]
    public void ABadClassNamesFileIsNamed()
    {
        using var work = new TempFolder();
        var file = Path.Combine(WriteCifar10(work), "batches.meta.txt");
        File.WriteAllLines(file, ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "ship"]);

        AssertRefusedBeforeTraining(work, file, "class name 'ship' appears on lines 9 and 10");
    }
}
