using System.Diagnostics;
using Winnow.Plugins.Datasets;

namespace Winnow.Tests.Datasets;

[TestClass]
public sealed class IdxReaderTests
{
    private TempDirectory dir = null!;

    [TestInitialize]
    public void CreateFolder() => dir = new TempDirectory();

    [TestCleanup]
    public void DeleteFolder() => dir.Dispose();

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ImagesRoundTrip(bool gzip)
    {
        byte[] pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
        // No .gz suffix even when compressed: gzip must be recognised by its magic bytes.
        var path = IdxFiles.Write(dir.File("images"), IdxFiles.Images(2, 3, 4, pixels), gzip);

        var images = IdxReader.ReadImages(path);

        Assert.AreEqual(2, images.Count);
        Assert.AreEqual(3, images.Rows);
        Assert.AreEqual(4, images.Columns);
        CollectionAssert.AreEqual(pixels, images.Pixels);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void LabelsRoundTrip(bool gzip)
    {
        byte[] labels = [9, 0, 3, 3, 7, 255];
        var path = IdxFiles.Write(dir.File("labels.bin"), IdxFiles.Labels(labels), gzip);

        CollectionAssert.AreEqual(labels, IdxReader.ReadLabels(path));
    }

    [TestMethod]
    public void LargeGzipFileReadsCompletely()
    {
        // Larger than the gzip stream's internal buffers, so the read loop must run many times.
        var pixels = IdxFiles.Pattern(700, 28 * 28);
        var path = IdxFiles.Write(dir.File("big.gz"), IdxFiles.Images(700, 28, 28, pixels), gzip: true);

        CollectionAssert.AreEqual(pixels, IdxReader.ReadImages(path).Pixels);
    }

    [TestMethod]
    public void MissingFileNamesThePath()
    {
        var path = dir.File("nope-idx3-ubyte");
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, ex.Message);
        Assert.AreEqual(path, ex.FileName);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void WrongMagicSaysExpectedAndFound(bool gzip)
    {
        var path = IdxFiles.Write(dir.File("readme.txt"), "Hello, this is text, not pixels."u8.ToArray(), gzip);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("expected 0x00000803", ex.Message);
        Assert.Contains("found 0x48656C6C", ex.Message); // "Hell"
        Assert.Contains("may not be an IDX file", ex.Message);
    }

    [TestMethod]
    public void LabelsFileReadAsImagesIsAWrongRank()
    {
        var path = IdxFiles.Write(dir.File("labels"), IdxFiles.Labels([1, 2, 3]));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("wrong rank", ex.Message);
        Assert.Contains("0x00000801", ex.Message);
        Assert.Contains("expected 0x00000803", ex.Message);
        Assert.Contains("labels file", ex.Message);
    }

    [TestMethod]
    public void FloatDataIsAWrongDataType()
    {
        var path = IdxFiles.Write(dir.File("floats"), IdxFiles.Build([1], [0, 0, 0x80, 0x3f], type: 0x0D));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("wrong data type", ex.Message);
        Assert.Contains("32-bit float", ex.Message);
    }

    [TestMethod]
    public void ZeroSizedDimensionIsRejected()
    {
        var path = IdxFiles.Write(dir.File("empty-images"), IdxFiles.Build([5, 0, 28], []));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("dimension 1 of [5, 0, 28] is zero", ex.Message);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(3)]
    public void FileShorterThanTheMagicNumberIsTooShort(int length)
    {
        var path = IdxFiles.Write(dir.File("short"), new byte[length]);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("too short", ex.Message);
    }

    [TestMethod]
    public void TruncatedHeaderIsReported()
    {
        var full = IdxFiles.Images(1, 2, 2, [1, 2, 3, 4]);
        var path = IdxFiles.Write(dir.File("cut-header"), full[..10]);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("truncated header", ex.Message);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void TruncatedDataIsReported(bool gzip)
    {
        var full = IdxFiles.Images(3, 2, 3, IdxFiles.Pattern(3, 6));
        var path = IdxFiles.Write(dir.File("cut-data"), full[..^5], gzip);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("truncated", ex.Message);
        Assert.Contains("[3, 2, 3] = 18 bytes", ex.Message);
        Assert.Contains("13", ex.Message);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void TrailingBytesAreAnError(bool gzip)
    {
        var path = IdxFiles.Write(dir.File("extra"), [.. IdxFiles.Labels([1, 2, 3]), 42, 43], gzip);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("after the 3 bytes of data that the header declares", ex.Message);
    }

    [TestMethod]
    public void ForgedHeaderInASmallFileFailsFastWithoutAllocating()
    {
        // 2^31 images of 28x28 declared, 100 bytes in the file.
        var bytes = IdxFiles.Build([1u << 31, 28, 28], new byte[100 - 16]);
        var path = IdxFiles.Write(dir.File("forged"), bytes);
        Assert.AreEqual(100, new FileInfo(path).Length);

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));
        clock.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Contains(path, ex.Message);
        Assert.IsLessThan(1_000_000L, allocated, $"allocated {allocated} bytes");
        Assert.IsLessThan(1000L, clock.ElapsedMilliseconds);
    }

    [TestMethod]
    public void ForgedHeaderWithinOneArrayButMissingDataIsTruncated()
    {
        // Declares 2^31 - 1 bytes of labels in a 100-byte file: representable, so only the file length can refute it.
        var path = IdxFiles.Write(dir.File("forged-labels"), IdxFiles.Build([int.MaxValue], new byte[92]));

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadLabels(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Contains(path, ex.Message);
        Assert.Contains("truncated", ex.Message);
        Assert.Contains("holds only 92", ex.Message);
        Assert.IsLessThan(1_000_000L, allocated, $"allocated {allocated} bytes");
    }

    [TestMethod]
    public void ForgedHeaderInAGzipFileIsCappedBeforeAllocating()
    {
        // 2000 x 1000 x 1000 bytes: 2 GB, representable but over the 1 GiB cap for a compressed file.
        var path = IdxFiles.Write(dir.File("forged.gz"), IdxFiles.Build([2000, 1000, 1000], new byte[84]), gzip: true);

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Contains(path, ex.Message);
        Assert.Contains("forged", ex.Message);
        Assert.IsLessThan(1_000_000L, allocated, $"allocated {allocated} bytes");
    }

    [TestMethod]
    public void CorruptGzipStreamIsWrappedWithThePath()
    {
        // A valid gzip member header followed by bytes that are not a valid deflate stream.
        byte[] bytes = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        var path = IdxFiles.Write(dir.File("corrupt.gz"), bytes);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("corrupt gzip data", ex.Message);
        Assert.IsInstanceOfType<InvalidDataException>(ex.InnerException);
    }

    [TestMethod]
    public void CutGzipFileIsReportedWithThePath()
    {
        var gz = IdxFiles.Gzip(IdxFiles.Images(50, 28, 28, IdxFiles.Pattern(50, 28 * 28)));
        var path = IdxFiles.Write(dir.File("cut.gz"), gz[..(gz.Length / 2)]);

        // Whether the decompressor notices the cut or the stream simply ends early, the message must name the file.
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
    }
}
