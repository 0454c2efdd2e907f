using SkiaSharp;
using Winnow.Tests.Datasets;

namespace Winnow.Tests.Integration;

/// <summary>A user's own images and the shipped readers' files, imported into a data file with <c>winnow data import</c> and trained
/// on by the untouched host through the <c>data-file</c> dataset.</summary>
[TestClass]
public sealed class DataImportTests
{
    // Three classes of ten images each, of several sizes, half PNG and half JPEG; each class a colour, with noise.
    private static string WriteImages(TempFolder work)
    {
        var root = work.Combine("pets");
        var colours = new Dictionary<string, SKColor> { ["cat"] = new(200, 40, 40), ["dog"] = new(40, 200, 40), ["fish"] = new(40, 40, 200) };
        var random = new Random(3);
        foreach (var (name, colour) in colours)
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            for (var i = 0; i < 10; i++)
            {
                using var bitmap = new SKBitmap(new SKImageInfo(12 + i, 20 - i, SKColorType.Rgba8888, SKAlphaType.Unpremul));
                for (var y = 0; y < bitmap.Height; y++)
                    for (var x = 0; x < bitmap.Width; x++)
                    {
                        byte Noisy(byte v) => (byte)Math.Clamp(v + random.Next(-40, 41), 0, 255);
                        bitmap.SetPixel(x, y, new SKColor(Noisy(colour.Red), Noisy(colour.Green), Noisy(colour.Blue)));
                    }
                var png = i % 2 == 0;
                using var image = SKImage.FromBitmap(bitmap);
                using var encoded = image.Encode(png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 95);
                File.WriteAllBytes(Path.Combine(root, name, $"{name}-{i}.{(png ? "png" : "jpg")}"), encoded.ToArray());
            }
        }
        File.WriteAllBytes(Path.Combine(root, "dog", "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5]);
        File.WriteAllText(Path.Combine(root, "cat", "notes.txt"), "not an image");
        return root;
    }

    [TestMethod]
    public void AFolderOfImagesWithACorruptFileIsImportedWithOneCommandAndTrainedOn()
    {
        using var work = new TempFolder();
        var images = WriteImages(work);

        var strict = HostProcess.Run(work.Path, "data", "import", images, "pets.wds", "--size", "8");
        Assert.AreEqual(2, strict.ExitCode, strict.ToString());
        StringAssert.Contains(strict.Error, $"{Path.Combine(images, "dog", "broken.png")}: is not a PNG or JPEG image that can be decoded", strict.ToString());
        StringAssert.Contains(strict.Error, "--skip-unreadable", strict.ToString());
        Assert.IsFalse(File.Exists(work.Combine("pets.wds")), "nothing half-written is left");
        Assert.IsFalse(File.Exists(work.Combine("pets.wds.partial")));

        var import = HostProcess.Run(work.Path, "data", "import", images, "pets.wds", "--size", "8", "--skip-unreadable");
        Assert.AreEqual(0, import.ExitCode, import.ToString());
        StringAssert.Contains(import.Output, "imported 24 train and 6 test images of 3 classes, 3×8×8", import.ToString());
        StringAssert.Contains(import.Output, "left out 1 unreadable image (--skip-unreadable):", import.ToString());
        StringAssert.Contains(import.Output, "broken.png", import.ToString());
        StringAssert.Contains(import.Output, "left out 1 file that is not PNG or JPEG", import.ToString());

        var again = HostProcess.Run(work.Path, "data", "import", images, "pets.wds", "--size", "8");
        Assert.AreEqual(2, again.ExitCode, again.ToString());
        StringAssert.Contains(again.Error, "pets.wds already exists; remove it first", again.ToString());

        var info = HostProcess.Run(work.Path, "data", "info", "pets.wds");
        Assert.AreEqual(0, info.ExitCode, info.ToString());
        StringAssert.Contains(info.Output, "records   24 train, 6 test; each [3, 8, 8] uint8 (192 bytes)", info.ToString());
        StringAssert.Contains(info.Output, "classes   3: cat, dog, fish", info.ToString());
        StringAssert.Contains(info.Output, "train per class  8, 8, 8", info.ToString());

        HostProcess.WriteConfig(work.Path, model: "cnn", dataset: "data-file", datasetOptions: """{ "Path": "pets.wds" }""", epochs: 6,
            policy: "ucb", policyOptions: """{ "KeepFraction": 0.5 }""");
        var run = HostProcess.Run(work.Path);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, "data: 24 train / 6 test samples of shape [3, 8, 8], 3 classes", run.ToString());
        var summary = ThirdParty.ThirdPartyFolders.Summary(Directory.GetDirectories(work.Combine("runs")).Single());
        Assert.AreEqual("completed", summary.GetProperty("status").GetString());
        Assert.AreEqual("data-file", summary.GetProperty("dataset").GetString());
        Assert.IsGreaterThan(0.5, summary.GetProperty("bestTestAccuracy").GetDouble(), $"three colours are easy to tell apart: {run}");
    }

    // MNIST-format files of 4×4 images in work/idx, exported through the mnist plugin into work/<file>.
    private static (string Idx, HostResult Export) ExportMnist(TempFolder work, int train, int test, string file)
    {
        var idx = work.Combine("idx");
        Directory.CreateDirectory(idx);
        IdxFiles.WriteMnistFolder(idx, train, test);
        HostProcess.WriteConfig(work.Path);
        return (idx, HostProcess.Run(work.Path, "data", "import", "mnist", file, $"--Run:Dataset:Options:Path={idx}"));
    }

    [TestMethod]
    public void IdxFilesExportedToADataFileTrainExactlyAsReadDirectly()
    {
        using var work = new TempFolder();
        var (idx, export) = ExportMnist(work, train: 300, test: 60, "digits.wds");
        Assert.AreEqual(0, export.ExitCode, export.ToString());
        StringAssert.Contains(export.Output, "imported 300 train and 60 test records of 10 classes, [1, 4, 4]", export.ToString());

        HostProcess.WriteConfig(work.Path, dataset: "mnist", datasetOptions: $$"""{ "Path": "{{idx}}" }""", epochs: 3);
        var direct = ResumeTests.RunFolderOf(work, "direct", HostProcess.Run(work.Path, "--Run:OutputDirectory=direct"));
        HostProcess.WriteConfig(work.Path, dataset: "data-file", datasetOptions: """{ "Path": "digits.wds" }""", epochs: 3);
        var mapped = ResumeTests.RunFolderOf(work, "mapped", HostProcess.Run(work.Path, "--Run:OutputDirectory=mapped"));

        ResumeTests.AssertSameRun(direct, mapped, "mnist read directly and from its data file");
    }

    [TestMethod]
    public void GeneratedImagesOfAnySizeAreWrittenAsADataFileAndTrainedOn()
    {
        using var work = new TempFolder();
        string[] generate = ["data", "generate", "gen.wds", "--train", "600", "--test", "200", "--shape", "3x8x8", "--classes", "3", "--seed", "4"];
        var made = HostProcess.Run(work.Path, generate);
        Assert.AreEqual(0, made.ExitCode, made.ToString());
        StringAssert.Contains(made.Output, "generated 600 train and 200 test records of 3 classes, [3, 8, 8]");
        StringAssert.Contains(HostProcess.Run(work.Path, "data", "info", "gen.wds").Output, "records   600 train, 200 test; each [3, 8, 8] uint8 (192 bytes)");
        Assert.AreEqual(0, HostProcess.Run(work.Path, [.. generate.Select(a => a == "gen.wds" ? "again.wds" : a)]).ExitCode);
        CollectionAssert.AreEqual(File.ReadAllBytes(work.Combine("gen.wds")).Skip(4096).ToArray(), File.ReadAllBytes(work.Combine("again.wds")).Skip(4096).ToArray(),
            "the same seed, the same records and labels");

        HostProcess.WriteConfig(work.Path, dataset: "data-file", datasetOptions: """{ "Path": "gen.wds" }""", epochs: 3);
        var run = ResumeTests.RunFolderOf(work, "runs", HostProcess.Run(work.Path));
        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.IsGreaterThan(0.6, summary.RootElement.GetProperty("finalTestAccuracy").GetDouble(), "each class's pattern shows through its noise (chance is 0.33)");

        foreach (var (args, message) in new[]
                 {
                     (new[] { "gen.wds" }, $"{work.Combine("gen.wds")} already exists"),
                     (new[] { "x.wds", "--shape", "3x0x8" }, "--shape '3x0x8' is not channels x height x width"),
                     (new[] { "x.wds", "--classes", "1" }, "--classes must be between 2 and 65536"),
                     (new[] { "x.wds", "--train", "100000000000" }, "would take 307200.0 GB; its disk has"),
                 })
        {
            var refused = HostProcess.Run(work.Path, ["data", "generate", .. args]);
            Assert.AreNotEqual(0, refused.ExitCode, refused.ToString());
            StringAssert.Contains(refused.Error, message, refused.ToString());
            Assert.IsFalse(File.Exists(work.Combine("x.wds")));
        }
    }

    [TestMethod]
    public void ADamagedDataFileStopsTheRunBeforeTrainingNamingTheFile()
    {
        using var work = new TempFolder();
        var (_, export) = ExportMnist(work, train: 20, test: 10, "d.wds");
        Assert.AreEqual(0, export.ExitCode, export.ToString());
        using (var stream = new FileStream(work.Combine("d.wds"), FileMode.Open)) stream.SetLength(stream.Length - 1);

        HostProcess.WriteConfig(work.Path, dataset: "data-file", datasetOptions: """{ "Path": "d.wds" }""");
        var run = HostProcess.Run(work.Path);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, $"error: dataset 'data-file' cannot be read: {work.Combine("d.wds")} is ", run.ToString());
        StringAssert.Contains(run.Error, ": truncated", run.ToString());
        Assert.DoesNotContain("   at ", run.Error, "no stack trace");
        Assert.IsFalse(Directory.Exists(work.Combine("runs")) && Directory.EnumerateFileSystemEntries(work.Combine("runs")).Any(), "nothing trained");
    }
}
