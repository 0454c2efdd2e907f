namespace Winnow.Tests.Datasets;

/// <summary>Writes CIFAR binary files byte by byte, so the tests do not trust the reader under test to define the format:
/// a record is its label byte(s), then 1,024 red, 1,024 green and 1,024 blue bytes, each plane row-major 32×32.</summary>
internal static class CifarFiles
{
    public const int Side = 32;
    public const int PlaneBytes = Side * Side;
    public const int PixelBytes = 3 * PlaneBytes;

    /// <summary>Pixel (channel c, row i, column k) of record n: every record, channel, row and column gives different values,
    /// so a swapped channel order, transposed rows or shifted record would show.</summary>
    public static byte Pattern(int n, int c, int i, int k, int salt = 0) => (byte)((31 * n + 50 * c + 7 * i + 3 * k + salt) % 256);

    /// <summary>The 3,072 pixel bytes of record n in file order (plane, row, column).</summary>
    public static byte[] Pixels(int n, int salt = 0)
    {
        var pixels = new byte[PixelBytes];
        for (var c = 0; c < 3; c++)
            for (var i = 0; i < Side; i++)
                for (var k = 0; k < Side; k++)
                    pixels[c * PlaneBytes + i * Side + k] = Pattern(n, c, i, k, salt);
        return pixels;
    }

    /// <summary>Records of the given labels (one byte for CIFAR-10, two, coarse then fine, for CIFAR-100) and pixels.</summary>
    public static byte[] Records(IReadOnlyList<byte[]> labels, IReadOnlyList<byte[]> pixels)
    {
        using var output = new MemoryStream();
        for (var n = 0; n < labels.Count; n++)
        {
            output.Write(labels[n]);
            output.Write(pixels[n]);
        }
        return output.ToArray();
    }

    /// <summary>The pixels of the given records, patterned with record numbers starting at <paramref name="first"/>.</summary>
    public static byte[][] PatternPixels(int count, int first = 0, int salt = 0) =>
        [.. Enumerable.Range(first, count).Select(n => Pixels(n, salt))];

    /// <summary>The value the dataset must hold for a pixel byte: scaled to [0, 1], then standardised with the channel's statistics.</summary>
    public static float Normalised(byte pixel, float mean, float std) => (pixel / 255f - mean) / std;

    /// <summary>A complete CIFAR-10 folder: five training batches of <paramref name="perBatch"/> records and a test batch, labels 0..9 in turn.</summary>
    public static void WriteCifar10Folder(string folder, int perBatch, int test)
    {
        byte[] Batch(int count, int first) => Records([.. Enumerable.Range(first, count).Select(n => new[] { (byte)(n % 10) })], PatternPixels(count, first));
        for (var b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(folder, $"data_batch_{b}.bin"), Batch(perBatch, b * perBatch));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), Batch(test, 0));
    }
}
