using System.Buffers.Binary;
using System.IO.Compression;

namespace Winnow.Plugins.Datasets;

/// <summary>Unsigned-byte images read from an IDX file: <see cref="Pixels"/> holds
/// <see cref="Count"/> × <see cref="Rows"/> × <see cref="Columns"/> bytes, row-major, image after image.</summary>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Columns);

/// <summary>Reads the IDX format that MNIST and Fashion-MNIST ship in: a big-endian header (magic number, then one
/// 32-bit size per dimension) followed by the data. Only unsigned-byte data is read: images of rank 3
/// (magic <c>0x00000803</c>) and labels of rank 1 (magic <c>0x00000801</c>).</summary>
/// <remarks>
/// <para>A file may be raw or gzip-compressed; gzip is recognised by its magic bytes (<c>1f 8b</c>), not by the file name,
/// because renamed or decompressed-in-place copies are common.</para>
/// <para>Every defect throws <see cref="InvalidDataException"/> whose message starts with the file's path and says what
/// is wrong, so the host can report it and stop before training. The header is checked against how much data there really is
/// before the data buffer is allocated: a forged or corrupt header cannot make the reader allocate gigabytes for a small file.</para>
/// <para>Trailing bytes after the declared data are an error: the original files have none, so extra data means the header's
/// sizes are wrong or two files were concatenated, and either would silently misalign images and labels.</para>
/// </remarks>
public static class IdxReader
{
    /// <summary>The magic number of an unsigned-byte IDX file of rank 3 (images <c>[N, rows, columns]</c>).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>The magic number of an unsigned-byte IDX file of rank 1 (labels <c>[N]</c>).</summary>
    public const uint LabelsMagic = 0x00000801;

    /// <summary>The most data a gzip file may declare (1 GiB). A compressed file's real size cannot be known before it is
    /// decompressed, so this bound, far above any MNIST-like set (Fashion-MNIST's training images are 47 MB), is what stops
    /// a forged header; the buffer also grows only as data actually arrives.</summary>
    public const long MaxGzipDataBytes = 1L << 30;

    private const byte UnsignedByteType = 0x08;

    // The first buffer for gzip data: big enough to hold a full MNIST-like file in one allocation, small enough not to
    // matter when a header lies.
    private const int InitialGzipBuffer = 64 << 20;

    /// <summary>Reads an images file: unsigned bytes, rank 3 <c>[N, rows, columns]</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid unsigned-byte IDX file of rank 3.</exception>
    public static IdxImages ReadImages(string path)
    {
        var (dims, data) = Read(path, rank: 3);
        return new IdxImages(data, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads a labels file: unsigned bytes, rank 1 <c>[N]</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid unsigned-byte IDX file of rank 1.</exception>
    public static byte[] ReadLabels(string path) => Read(path, rank: 1).Data;

    private static (int[] Dims, byte[] Data) Read(string path, int rank)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // No IDX file a reader could hold in memory is larger; the header then bounds every read (ReadBody).
        using var file = UserPaths.OpenFile(path, "IDX file", maxBytes: 1L << 36);
        Span<byte> signature = stackalloc byte[2];
        var isGzip = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false) == 2 && signature[0] == 0x1f && signature[1] == 0x8b;
        file.Position = 0;
        if (!isGzip) return ReadBody(file, path, rank, rawLength: file.Length);

        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        return ReadBody(gzip, path, rank, rawLength: null, compressedLength: file.Length);
    }

    /// <summary>The most data a gzip file of <paramref name="compressedLength"/> bytes can decompress to: deflate's best ratio is
    /// 1032:1 (a 258-byte match in one bit), so anything more than that, with room for the headers, is a forged header.</summary>
    private static UInt128 MaxDecompressed(long compressedLength) => (UInt128)Math.Max(compressedLength, 0) * 1032 + 4096;

    // rawLength: the file's length when it is not compressed; null for a gzip stream, whose length is unknown until decompressed.
    private static (int[] Dims, byte[] Data) ReadBody(Stream stream, string path, int rank, long? rawLength, long compressedLength = 0)
    {
        var compressed = rawLength is null;
        var source = compressed ? "the decompressed data" : "the file";
        var expectedMagic = (uint)(UnsignedByteType << 8 | rank);
        var expected = $"0x{expectedMagic:X8} ({Describe(rank)})";

        Span<byte> magicBytes = stackalloc byte[4];
        var got = Fill(stream, magicBytes, path, compressed);
        if (got < 4)
            throw Bad(path, $"too short to be an IDX file: {source} holds {got} bytes, but the magic number alone takes 4 (expected magic {expected})");

        var magic = BinaryPrimitives.ReadUInt32BigEndian(magicBytes);
        if (magicBytes[0] != 0 || magicBytes[1] != 0 || !IsIdxType(magicBytes[2]) || magicBytes[3] == 0)
            throw Bad(path, $"wrong magic number: expected {expected}, found 0x{magic:X8}; this may not be an IDX file");
        if (magicBytes[2] != UnsignedByteType)
            throw Bad(path, $"wrong data type: magic 0x{magic:X8} declares {TypeName(magicBytes[2])} (0x{magicBytes[2]:X2}) elements, "
                + $"but only unsigned bytes (0x08) are supported: expected {expected}");
        if (magicBytes[3] != rank)
            throw Bad(path, $"wrong rank: magic 0x{magic:X8} declares {magicBytes[3]} dimension(s), expected {expected}"
                + magicBytes[3] switch { 1 => "; it looks like a labels file", 3 => "; it looks like an images file", _ => "" });

        Span<byte> dimBytes = stackalloc byte[4 * rank];
        got = Fill(stream, dimBytes, path, compressed);
        if (got < dimBytes.Length)
            throw Bad(path, $"truncated header: {rank} dimension size(s) take {dimBytes.Length} bytes after the magic number, but {source} ends after {got}");

        var sizes = new uint[rank];
        // Up to three sizes below 2^32 each: the product always fits 128 bits, so nothing can overflow before it is judged.
        UInt128 declared = 1;
        for (var i = 0; i < rank; i++)
        {
            sizes[i] = BinaryPrimitives.ReadUInt32BigEndian(dimBytes[(4 * i)..]);
            declared *= sizes[i];
        }
        var shape = $"[{string.Join(", ", sizes)}]";
        var zero = Array.IndexOf(sizes, 0u);
        if (zero >= 0) throw Bad(path, $"dimension {zero} of {shape} is zero: the file holds no data");

        var headerBytes = 4 + dimBytes.Length;
        if (!compressed)
        {
            // The file's length is known, so a header is judged by the data really there before anything is allocated.
            var present = rawLength!.Value - headerBytes;
            if ((UInt128)present < declared)
                throw Bad(path, $"truncated: the header declares {shape} = {declared:N0} bytes of data, but the file holds only {present:N0} after the {headerBytes}-byte header");
            if ((UInt128)present > declared)
                throw Bad(path, $"{(UInt128)present - declared:N0} unexpected byte(s) after the {declared:N0} bytes of data that the header declares ({shape}); the header's sizes are wrong or files were concatenated");
        }
        else if (declared > (UInt128)MaxGzipDataBytes)
        {
            throw Bad(path, $"the header declares {shape} = {declared:N0} bytes of data, more than the {MaxGzipDataBytes:N0} this reader accepts from a gzip file; the header is corrupt or forged");
        }
        else if (declared + (UInt128)headerBytes > MaxDecompressed(compressedLength))
        {
            // Judged before anything is allocated: a small gzip file cannot hold what such a header promises.
            throw Bad(path, $"truncated or forged: the header declares {shape} = {declared:N0} bytes of data, but a gzip file of {compressedLength:N0} bytes "
                + $"decompresses to at most {MaxDecompressed(compressedLength):N0}");
        }
        if (declared > (UInt128)Array.MaxLength)
            throw Bad(path, $"the header declares {shape} = {declared:N0} bytes of data, more than one array can hold");

        // Every size is now at most the product, which fits an array, so each fits an int.
        var dims = Array.ConvertAll(sizes, size => (int)size);
        var dataBytes = (int)declared;
        if (!compressed)
        {
            var data = new byte[dataBytes];
            got = Fill(stream, data, path, compressed);
            if (got < data.Length)
                throw Bad(path, $"truncated while reading: the file ended after {got:N0} of {dataBytes:N0} bytes of data (was it changed while being read?)");
            return (dims, data);
        }

        // Grow the buffer only as decompressed data arrives, so a lying header costs at most one modest allocation.
        var buffer = new byte[Math.Min(dataBytes, InitialGzipBuffer)];
        var filled = 0;
        while (true)
        {
            filled += Fill(stream, buffer.AsSpan(filled), path, compressed);
            if (filled < buffer.Length)
                throw Bad(path, $"truncated: the header declares {shape} = {dataBytes:N0} bytes of data, but the gzip stream ends after {filled:N0}");
            if (filled == dataBytes) break;
            Array.Resize(ref buffer, (int)Math.Min(dataBytes, 2L * buffer.Length));
        }

        Span<byte> probe = stackalloc byte[1];
        if (Fill(stream, probe, path, compressed) != 0)
            throw Bad(path, $"unexpected bytes after the {dataBytes:N0} bytes of data that the header declares ({shape}); the header's sizes are wrong or files were concatenated");
        return (dims, buffer);
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read. A gzip stream's own
    /// <see cref="InvalidDataException"/> says only that the data is bad, not which file, so it is wrapped here.</summary>
    private static int Fill(Stream stream, Span<byte> buffer, string path, bool compressed)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex) when (compressed)
        {
            throw new InvalidDataException($"{path}: corrupt gzip data ({ex.Message})", ex);
        }
    }

    private static InvalidDataException Bad(string path, string problem) => new($"{path}: {problem}");

    private static bool IsIdxType(byte type) => type is 0x08 or 0x09 or 0x0B or 0x0C or 0x0D or 0x0E;

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "32-bit float",
        0x0E => "64-bit float",
        _ => "unknown",
    };

    private static string Describe(int rank) => rank switch
    {
        1 => "unsigned-byte labels [N]",
        3 => "unsigned-byte images [N, rows, columns]",
        _ => $"rank {rank}",
    };
}
