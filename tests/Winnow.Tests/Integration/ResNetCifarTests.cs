using System.Text.Json;
using Winnow.Tests.Datasets;

namespace Winnow.Tests.Integration;

/// <summary>The research workload in miniature: ResNet-18 on CIFAR-10 files in the real binary format, augmented, checkpointed.</summary>
[TestClass]
public sealed class ResNetCifarTests
{
    /// <summary>Five training batches and a test batch of 24 records each; a record's brightness depends on its class, so there is something to learn.</summary>
    private static string WriteCifar10(TempFolder work)
    {
        var folder = Directory.CreateDirectory(work.Combine("cifar")).FullName;
        var random = new Random(5);
        void Write(string name, int salt)
        {
            var labels = Enumerable.Range(0, 24).Select(n => new[] { (byte)(n % 10) }).ToArray();
            var pixels = labels.Select(l => Enumerable.Range(0, CifarFiles.PixelBytes)
                .Select(i => (byte)Math.Clamp(l[0] * 20 + (i / CifarFiles.PlaneBytes) * 30 + random.Next(-20, 20) + salt, 0, 255)).ToArray()).ToArray();
            File.WriteAllBytes(Path.Combine(folder, name), CifarFiles.Records(labels, pixels));
        }
        for (var b = 1; b <= 5; b++) Write($"data_batch_{b}.bin", b);
        Write("test_batch.bin", 0);
        return folder;
    }

    private static void Configure(TempFolder work) =>
        HostProcess.WriteConfig(work.Path, model: "resnet18", dataset: "cifar10", datasetOptions: """{ "Path": "cifar" }""",
            policy: "dynams", policyOptions: """{ "KeepFraction": 0.5, "Q0": 1 }""", epochs: 3);

    [TestMethod]
    public void ResNet18TrainsOnCifarFilesWithAugmentationAndItsProxy()
    {
        using var work = new TempFolder();
        WriteCifar10(work);
        Configure(work);

        var result = HostProcess.Run(work.Path, "--Run:Model:Options:Width=4");

        var run = ResumeTests.RunFolderOf(work, "runs", result);
        StringAssert.Contains(result.Output, "data: 120 train / 24 test samples of shape [3, 32, 32], 10 classes", result.ToString());
        StringAssert.Contains(result.Output, "proxy: model 'resnet18' trains a parameter-sharing proxy", result.ToString());
        Assert.HasCount(4, File.ReadAllLines(Path.Combine(run, "metrics.csv")));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.AreEqual("CropFlipAugmentation", config.RootElement.GetProperty("run").GetProperty("augmentation").GetString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.IsGreaterThan(0, summary.RootElement.GetProperty("proxyForwarded").GetInt64());
    }

    [TestMethod]
    public void ResumingResNet18KeepsBatchNormStatisticsAndAugmentationDraws()
    {
        using var work = new TempFolder();
        WriteCifar10(work);
        Configure(work);
        var whole = ResumeTests.RunFolderOf(work, "whole", HostProcess.Run(work.Path, "--Run:OutputDirectory=whole", "--Run:Model:Options:Width=4"));
        var stopped = ResumeTests.RunFolderOf(work, "stopped", HostProcess.Run(work.Path, "--Run:OutputDirectory=stopped", "--Run:Model:Options:Width=4", "--Run:StopAfterEpoch=1"));

        var resumed = HostProcess.Run(work.Path, "resume", stopped);

        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        ResumeTests.AssertSameRun(whole, stopped, "resnet18 on cifar10");
    }
}
