using System.Buffers.Binary;
using Winnow.DataFiles;
using Winnow.Plugins.Datasets;
using static TorchSharp.torch;

namespace Winnow.Tests.Datasets;

/// <summary>The data file: written record by record, mapped not read, and every damaged file refused by name before training.</summary>
[TestClass]
public sealed class DataFileTests
{
    private TempDirectory dir = null!;

    [TestInitialize]
    public void CreateFolder() => dir = new TempDirectory();

    [TestCleanup]
    public void DeleteFolder() => dir.Dispose();

    // 6 train and 3 test records of [2, 2, 3]: record r holds r·12 + i at value i; labels r mod 3 of classes a, b, c.
    private string Write(string name = "d.wds", (float[], float[])? normalization = null)
    {
        var path = dir.File(name);
        using var writer = new DataFileWriter(path, [2, 2, 3], ["a", "b", "c"], "test", normalization);
        for (var r = 0; r < 9; r++)
        {
            var record = Enumerable.Range(0, 12).Select(i => (byte)(r * 12 + i)).ToArray();
            if (r < 6) writer.AddTrain(record, r % 3);
            else writer.AddTest(record, r % 3);
        }
        writer.Finish();
        return path;
    }

    private static Dataset OpenPlugin(string path) =>
        ((IDatasetPlugin)new DataFileDatasetPlugin()).Open(new DataFileOptions { Path = path }, new DatasetContext("/", 1));

    [TestMethod]
    public void WhatIsWrittenIsWhatTheMapGives()
    {
        using var data = OpenPlugin(Write(normalization: ([0.5f, 0.25f], [0.5f, 0.5f])));

        Assert.AreEqual(ScalarType.Byte, data.Train.Inputs.dtype);
        CollectionAssert.AreEqual(new long[] { 6, 2, 2, 3 }, data.Train.Inputs.shape);
        CollectionAssert.AreEqual(new long[] { 3, 2, 2, 3 }, data.Test.Inputs.shape);
        CollectionAssert.AreEqual(Enumerable.Range(0, 72).Select(i => (byte)i).ToArray(), data.Train.Inputs.data<byte>().ToArray());
        CollectionAssert.AreEqual(Enumerable.Range(72, 36).Select(i => (byte)i).ToArray(), data.Test.Inputs.data<byte>().ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 1, 2, 0, 1, 2 }, data.Train.Labels.data<long>().ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 1, 2 }, data.Test.Labels.data<long>().ToArray());
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, data.ClassNames.ToArray());
        Assert.AreEqual(new Normalization([0.5f, 0.25f], [0.5f, 0.5f]), data.Train.Normalization);
    }

    [TestMethod]
    public void TheMapIsSharedAndAdvisedAsReadAtRandom()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("madvise and /proc/self/smaps are Linux's");
        var path = Write();
        using var data = OpenPlugin(path);

        // smaps lists each mapping's flags: "sh" shared, "rr" random reads advised (no read-ahead on a page fault).
        var lines = File.ReadAllLines("/proc/self/smaps");
        var flags = lines.Select((line, i) => (line, i)).Where(l => l.line.EndsWith(" " + path, StringComparison.Ordinal))
            .Select(l => lines.Skip(l.i).First(x => x.StartsWith("VmFlags:", StringComparison.Ordinal))).ToList();
        Assert.IsNotEmpty(flags, "the file is mapped");
        foreach (var f in flags)
        {
            CollectionAssert.Contains(f.Split(' '), "sh", f);
            CollectionAssert.Contains(f.Split(' '), "rr", f);
        }
    }

    [TestMethod]
    public void TheNormalisationIsMeasuredOnTheTrainRecordsWhenNotGiven()
    {
        var header = DataFile.Open(Write()).Header;
        // Channel 0 of train record r is r·12 + 0..5, channel 1 is r·12 + 6..11, for r = 0..5.
        double[] Values(int c) => [.. Enumerable.Range(0, 6).SelectMany(r => Enumerable.Range(c * 6, 6).Select(i => (r * 12 + i) / 255.0))];
        for (var c = 0; c < 2; c++)
        {
            var v = Values(c);
            var mean = v.Average();
            Assert.AreEqual(mean, header.Mean[c], 1e-6, $"channel {c} mean");
            Assert.AreEqual(Math.Sqrt(v.Average(x => (x - mean) * (x - mean))), header.Std[c], 1e-6, $"channel {c} std (population)");
        }
    }

    [TestMethod]
    public void TheRecordsStartOnAPageAndTheFileEndsWithTheLabels()
    {
        var layout = DataFile.Open(Write());
        Assert.AreEqual(0, layout.DataOffset % 4096);
        Assert.AreEqual(layout.DataOffset + 9 * 12 + 9 * 2, new FileInfo(layout.Path).Length);
    }

    private static void Patch(string path, long offset, params byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        stream.Write(bytes);
    }

    private void AssertRefused(string path, string message)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => OpenPlugin(path));
        StringAssert.StartsWith(e.Message, path);
        StringAssert.Contains(e.Message, message);
    }

    [TestMethod]
    public void ATruncatedFileIsRefused()
    {
        var path = Write();
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length - 5);
        AssertRefused(path, "needs 4,222: truncated");
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(30);
        AssertRefused(path, "is 30 bytes, shorter than the 48-byte preamble");
    }

    [TestMethod]
    public void AFileLongerThanItsHeaderSaysIsRefused()
    {
        var path = Write();
        using (var stream = new FileStream(path, FileMode.Append)) stream.Write(new byte[12]);
        AssertRefused(path, "12 more than its header (6 + 3 records of 12 bytes and their labels) accounts for");
    }

    [TestMethod]
    public void ADamagedHeaderFailsItsChecksum()
    {
        var path = Write();
        var layout = DataFile.Open(path);
        // A digit of the header's JSON changed: the JSON still parses, the checksum does not match.
        var text = File.ReadAllBytes(path);
        var at = Array.IndexOf(text, (byte)'6', 48);
        Patch(path, at, (byte)'7');
        AssertRefused(path, "has a header whose checksum (SHA-256) does not match");
        _ = layout;
    }

    [TestMethod]
    public void ALabelOutOfRangeIsNamedWithItsRecord()
    {
        var path = Write();
        var layout = DataFile.Open(path);
        var label = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(label, 7);
        Patch(path, layout.LabelOffset + 2 * 7, label);   // test record 1
        AssertRefused(path, "test record 1 has label 7, but the header names 3 classes (0..2)");
    }

    [TestMethod]
    public void AnotherFileOrAnotherFormatVersionIsRefused()
    {
        var other = dir.File("notes.wds");
        File.WriteAllText(other, new string('x', 100));
        AssertRefused(other, "is not a Winnow data file (it does not start with WINNOWDS)");

        var path = Write();
        Patch(path, 8, 2, 0, 0, 0);
        AssertRefused(path, "is data file format 2; this Winnow reads format 1");
    }

    [TestMethod]
    public void AMissingFileOrAFolderIsNamed()
    {
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => OpenPlugin(dir.File("none.wds")));
        StringAssert.Contains(e.Message, "data file not found: ");
        var folder = Assert.ThrowsExactly<InvalidDataException>(() => OpenPlugin(dir.Path));
        StringAssert.Contains(folder.Message, "is a folder");
    }

    [TestMethod]
    public void AnUnfinishedWriterLeavesNoFile()
    {
        var path = dir.File("half.wds");
        using (var writer = new DataFileWriter(path, [1, 2, 2], ["a", "b"], "test"))
            writer.AddTrain(new byte[4], 1);
        Assert.IsFalse(File.Exists(path));
        Assert.IsFalse(File.Exists(path + ".partial"));
    }
}
