using System.Buffers.Binary;
using System.IO.Compression;

namespace Winnow.Tests.Datasets;

/// <summary>A fresh folder under the system's temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "winnow-datasets-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Writes IDX files byte by byte, so the tests do not trust the reader under test to define the format.</summary>
internal static class IdxFiles
{
    /// <summary>An IDX file: magic <c>00 00 type rank</c>, one big-endian uint32 per dimension, then the data as given.</summary>
    public static byte[] Build(uint[] dims, byte[] data, byte type = 0x08)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Images(int count, int rows, int columns, byte[] pixels) =>
        Build([(uint)count, (uint)rows, (uint)columns], pixels);

    public static byte[] Labels(byte[] labels) => Build([(uint)labels.Length], labels);

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>Writes the bytes, gzip'd when <paramref name="gzip"/> is set; returns the path.</summary>
    public static string Write(string path, byte[] bytes, bool gzip = false)
    {
        System.IO.File.WriteAllBytes(path, gzip ? Gzip(bytes) : bytes);
        return path;
    }

    /// <summary>Pixels whose value at image i, flat index j is (37 i + 11 j + 5) mod 256: every image differs and the values span the byte range.</summary>
    public static byte[] Pattern(int count, int pixelsPerImage, int salt = 0)
    {
        var pixels = new byte[count * pixelsPerImage];
        for (var i = 0; i < count; i++)
            for (var j = 0; j < pixelsPerImage; j++)
                pixels[i * pixelsPerImage + j] = (byte)((37 * i + 11 * j + 5 + salt) % 256);
        return pixels;
    }

    /// <summary>A complete MNIST-format folder of 4×4 images: the four files, raw, with labels 0..9 in turn.</summary>
    public static void WriteMnistFolder(string folder, int train, int test)
    {
        void Split(string images, string labels, int count, int salt)
        {
            Write(Path.Combine(folder, images), Images(count, 4, 4, Pattern(count, 16, salt)));
            Write(Path.Combine(folder, labels), Labels([.. Enumerable.Range(0, count).Select(n => (byte)(n % 10))]));
        }
        Split("train-images-idx3-ubyte", "train-labels-idx1-ubyte", train, 0);
        Split("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", test, 1);
    }
}
