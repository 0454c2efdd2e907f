using System.Text.Json;
using Winnow.Tests.Datasets;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Reliability;

/// <summary>Bad inputs of every class a user meets them in, through the real host: paths that are not what they seem (pipes, devices,
/// folders), values dropped or out of range, broken JSON, empty strings, names that would become paths. Each case must end quickly
/// with one <c>error:</c> line naming the path or key and what is wrong, the documented exit code, and no stack trace.</summary>
[TestClass]
public sealed class InputFaultTests
{
    private static void AssertOneError(HostResult result, int exitCode, params string[] expected)
    {
        Assert.AreEqual(exitCode, result.ExitCode, result.ToString());
        var errors = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, errors, result.ToString());
        foreach (var e in expected) StringAssert.Contains(errors[0], e, result.ToString());
        Assert.DoesNotContain("   at ", result.Error, "a message, not a stack trace");
        Assert.DoesNotContain("Unhandled exception", result.Error);
    }

    private static void MakeFifo(string path)
    {
        var made = SmallFileSystem.Shell("mkfifo", path);
        if (made.ExitCode != 0) Assert.Inconclusive($"mkfifo is not available here: {made}");
    }

    // Class 1: a path that would hang the host if it were opened.
    [TestMethod]
    public void APipeGivenAsTheConfigurationFileIsRefusedAtOnce()
    {
        using var work = new TempFolder();
        MakeFifo(work.Combine("pipe.json"));

        AssertOneError(FaultHost.Run(work.Path, "--config", "pipe.json"), 2, work.Combine("pipe.json"), "named pipe (FIFO)");
    }

    [TestMethod]
    public void APipeGivenAsASweepFileOrADataFileIsRefusedAtOnce()
    {
        using var work = new TempFolder();
        MakeFifo(work.Combine("sweep.json"));
        AssertOneError(FaultHost.Run(work.Path, "sweep", "sweep.json"), 2, work.Combine("sweep.json"), "named pipe");

        var data = Directory.CreateDirectory(work.Combine("data")).FullName;
        IdxFiles.WriteMnistFolder(data, train: 12, test: 4);
        File.Delete(Path.Combine(data, "train-images-idx3-ubyte"));
        MakeFifo(Path.Combine(data, "train-images-idx3-ubyte"));
        HostProcess.WriteConfig(work.Path, dataset: "mnist", datasetOptions: """{ "Path": "data" }""");
        AssertOneError(FaultHost.Run(work.Path), 1, Path.Combine(data, "train-images-idx3-ubyte"), "named pipe");
    }

    // Class 7: a device has no length and never ends.
    [TestMethod]
    public void ADeviceGivenAsTheConfigurationOrAClassNamesFileIsRefusedBeforeAnyRead()
    {
        using var work = new TempFolder();
        File.CreateSymbolicLink(work.Combine("zero.json"), "/dev/zero");
        AssertOneError(FaultHost.Run(work.Path, "--config", "zero.json"), 2, work.Combine("zero.json"), "a device");

        var cifar = Directory.CreateDirectory(work.Combine("cifar")).FullName;
        CifarFiles.WriteCifar10Folder(cifar, perBatch: 2, test: 2);
        File.CreateSymbolicLink(Path.Combine(cifar, "batches.meta.txt"), "/dev/zero");
        HostProcess.WriteConfig(work.Path, model: "cnn", dataset: "cifar10", datasetOptions: """{ "Path": "cifar" }""");
        AssertOneError(FaultHost.Run(work.Path), 1, Path.Combine(cifar, "batches.meta.txt"), "a device");
    }

    // Class 6: a path that exists, with the wrong type, is named as what it is.
    [TestMethod]
    public void PathsOfTheWrongTypeAreNamedAsWhatTheyAre()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);
        File.WriteAllText(work.Combine("a-file"), "x");

        AssertOneError(FaultHost.Run(work.Path, "--config", work.Path), 2, work.Path, "is a folder; expected a file");
        var dataset = FaultHost.Run(work.Path, "--Run:Dataset:Name=mnist", "--Run:Dataset:Options:Path=a-file", "--Run:Dataset:Options:TrainSize=", "--Run:Dataset:Options:TestSize=");
        AssertOneError(dataset, 1, work.Combine("a-file"), "is a file");
        Assert.DoesNotContain("apt-get install", dataset.Error, "an existing file is not missing data to install");
    }

    // Class 6: numbers out of range name the range; JSON errors name the place.
    [TestMethod]
    public void NumbersOutOfRangeNameTheRange()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        AssertOneError(FaultHost.Run(work.Path, "--Run:Epochs=2147483648"), 2, "Run:Epochs: 2147483648 is out of range: it must be between 1 and 100000");
        AssertOneError(FaultHost.Run(work.Path, "--Run:Seed=9223372036854775808"), 2, "Run:Seed", "out of range", "between 0 and 2147483647");
        AssertOneError(FaultHost.Run(work.Path, "--Run:BatchSize=-99999999999"), 2, "Run:BatchSize", "out of range");
    }

    [TestMethod]
    public void JsonErrorsGiveTheLineTheByteAndTheReason()
    {
        using var work = new TempFolder();
        File.WriteAllText(work.Combine("comma.json"), "{\n  \"Run\": { \"Epochs\": 2 \n  \"Seed\": 3 }\n}");
        File.WriteAllText(work.Combine("deep.json"), string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100));
        File.WriteAllText(work.Combine("empty.json"), "");

        AssertOneError(FaultHost.Run(work.Path, "--config", "comma.json"), 2, work.Combine("comma.json"), "not valid JSON at line 3, byte 3");
        AssertOneError(FaultHost.Run(work.Path, "--config", "deep.json"), 2, "not valid JSON at line 1", "depth");
        AssertOneError(FaultHost.Run(work.Path, "--config", "empty.json"), 2, work.Combine("empty.json"), "not valid JSON");
    }

    // Class 5: a valid file is not refused for its name.
    [TestMethod]
    public void AConfigurationFileWhoseNameStartsWithADotIsRead()
    {
        using var work = new TempFolder();
        File.Move(HostProcess.WriteConfig(work.Path, epochs: 1), work.Combine(".winnow.json"));

        var result = FaultHost.Run(work.Path, "--config", ".winnow.json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "run completed", result.ToString());
    }

    // Class 3: nothing given is silently dropped.
    [TestMethod]
    public void ASectionGivenAScalarIsRefusedWhateverElseIsGiven()
    {
        using var work = new TempFolder();
        File.WriteAllText(work.Combine("appsettings.json"), """{ "Run": "fast" }""");

        AssertOneError(FaultHost.Run(work.Path, "--Run:Epochs=1"), 2, "Run: expected a section with keys", "found 'fast'");
        File.WriteAllText(work.Combine("appsettings.json"), """{ "Run": { "Policy": "ucb" } }""");
        AssertOneError(FaultHost.Run(work.Path, "--Run:Policy:Name=full"), 2, "Run:Policy: expected a section", "found 'ucb'");
    }

    [TestMethod]
    public void AKeyWithoutAValueAndArgumentsACommandDoesNotTakeAreRefused()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, epochs: 1);
        var run = ResumeTests.RunFolderOf(work, "runs", FaultHost.Run(work.Path));

        AssertOneError(FaultHost.Run(work.Path, "--Run:Epochs"), 2, "--Run:Epochs");
        AssertOneError(FaultHost.Run(work.Path, "resume", run, "extra"), 2, "extra");
        AssertOneError(FaultHost.Run(work.Path, "resume", run, "--config", "other.json"), 2, "--config");
        AssertOneError(FaultHost.Run(work.Path, "resume", "-x=1"), 2);
        AssertOneError(FaultHost.Run(work.Path, "resume", run, "-x=1"), 2, "-x=1");
    }

    // Class 9: empty strings where a path belongs.
    [TestMethod]
    public void EmptyPathsAreRefusedByTheirName()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        AssertOneError(FaultHost.Run(work.Path, "--config", ""), 2, "--config is empty");
        AssertOneError(FaultHost.Run(work.Path, "sweep", ""), 2, "the sweep file is empty");
        AssertOneError(FaultHost.Run(work.Path, "report", ""), 2, "the folder is empty");
        AssertOneError(FaultHost.Run(work.Path, "resume", " "), 2, "the run folder is empty");
        AssertOneError(FaultHost.Run(work.Path, "bench", "--output", ""), 2, "--output is empty");
        File.WriteAllText(work.Combine("sweep.json"), """{ "Base": "", "Vary": { "Run:Seed": [1] } }""");
        AssertOneError(FaultHost.Run(work.Path, "sweep", "sweep.json", "--dry-run"), 2, "Base is empty");
    }

    // Class 10: a name taken from a file never climbs out of the folder it names something in.
    [TestMethod]
    public void ASweepNameCannotClimbOutOfTheSweepsFolder()
    {
        using var work = new TempFolder();
        var config = HostProcess.WriteConfig(work.Path, epochs: 1);
        File.WriteAllText(work.Combine("sweep.json"), $$"""{ "Name": "../../escaped", "Base": "{{Path.GetFileName(config)}}", "Vary": { "Run:Seed": [1] } }""");

        var result = FaultHost.Run(work.Path, "sweep", "sweep.json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.IsFalse(Directory.Exists(work.Combine("escaped")), "nothing is written outside runs/sweeps");
        var sweeps = Directory.GetDirectories(work.Combine("runs", "sweeps"));
        Assert.HasCount(1, sweeps);
        Assert.IsTrue(File.Exists(Path.Combine(sweeps[0], "sweep.json")), string.Join(", ", sweeps));
    }

    // Class 6: a CIFAR-100 file read as CIFAR-10 is named as such.
    [TestMethod]
    public void ACifar100FileReadAsCifar10IsNamedAsCifar100()
    {
        using var work = new TempFolder();
        var cifar = Directory.CreateDirectory(work.Combine("cifar")).FullName;
        CifarFiles.WriteCifar10Folder(cifar, perBatch: 2, test: 2);
        // 3,073 CIFAR-100 records are 3,074 × 3,073 bytes: a whole number of CIFAR-10 records too, with "labels" up to 19.
        var records = Enumerable.Range(0, 3073).Select(n => new[] { (byte)(n % 20), (byte)(n % 100) }).ToArray();
        File.WriteAllBytes(Path.Combine(cifar, "test_batch.bin"), CifarFiles.Records(records, CifarFiles.PatternPixels(3073)));
        HostProcess.WriteConfig(work.Path, model: "cnn", dataset: "cifar10", datasetOptions: """{ "Path": "cifar" }""");

        AssertOneError(FaultHost.Run(work.Path), 1, Path.Combine(cifar, "test_batch.bin"), "it looks like a CIFAR-100 file; use the cifar100 dataset");
    }
}
