using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Winnow.DataFiles;

/// <summary>A data file's layout once its header has been checked: where the records and the labels of each split begin.</summary>
/// <remarks>
/// The format, little-endian:
/// <code>
/// 0    8 bytes   magic "WINNOWDS"
/// 8    uint32    format version (1)
/// 12   uint32    header length L in bytes
/// 16   32 bytes  SHA-256 of the header
/// 48   L bytes   the header: UTF-8 JSON (<see cref="DataFileHeader"/>)
///      zero padding to DataOffset, a multiple of 4096, so that records start on a page
/// DataOffset     train records, then test records: RecordBytes each, the values of one record in [C, H, W] order
///                then one uint16 label per train record, then per test record
/// </code>
/// The file ends exactly there: a shorter file was truncated, a longer one is not what its header says.
/// </remarks>
public sealed record DataFileLayout(string Path, DataFileHeader Header, long DataOffset, long FileLength)
{
    public const string Magic = "WINNOWDS";
    public const uint Version = 1;
    public const int Preamble = 48;
    public const int Page = 4096;

    /// <summary>Offset of the first train record.</summary>
    public long TrainOffset => DataOffset;

    /// <summary>Offset of the first test record.</summary>
    public long TestOffset => DataOffset + Header.Train * Header.RecordBytes;

    /// <summary>Offset of the first label (the train labels, then the test labels).</summary>
    public long LabelOffset => DataOffset + (Header.Train + Header.Test) * Header.RecordBytes;

    /// <summary>The length the header implies.</summary>
    public long ExpectedLength => LabelOffset + (Header.Train + Header.Test) * 2;

    /// <summary>The first offset after the preamble and a header of <paramref name="headerLength"/> bytes that is a multiple of a page.</summary>
    public static long DataOffsetFor(long headerLength) => (Preamble + headerLength + Page - 1) / Page * Page;
}

/// <summary>Opens data files and checks them before anything trains.</summary>
public static class DataFile
{
    // A header is JSON of a few fields and the class names: a megabyte holds tens of thousands of names.
    private const int MaxHeaderBytes = 1 << 20;

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Reads and checks the header of <paramref name="path"/>: magic, version, length of header and file, checksum, fields.
    /// Reads the preamble and the header only.</summary>
    /// <exception cref="InvalidDataException">naming the file and what is wrong with it.</exception>
    public static DataFileLayout Open(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
        var length = stream.Length;
        var preamble = new byte[DataFileLayout.Preamble];
        if (length < preamble.Length || stream.Read(preamble) < preamble.Length)
            throw Bad(path, $"is {length} bytes, shorter than the {DataFileLayout.Preamble}-byte preamble of a Winnow data file: truncated, or not a data file");
        if (Encoding.ASCII.GetString(preamble, 0, 8) != DataFileLayout.Magic)
            throw Bad(path, "is not a Winnow data file (it does not start with WINNOWDS); make one with winnow data import");
        var version = BinaryPrimitives.ReadUInt32LittleEndian(preamble.AsSpan(8));
        if (version != DataFileLayout.Version)
            throw Bad(path, $"is data file format {version}; this Winnow reads format {DataFileLayout.Version}");
        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(preamble.AsSpan(12));
        if (headerLength == 0 || headerLength > MaxHeaderBytes)
            throw Bad(path, $"declares a header of {headerLength} bytes (at most {MaxHeaderBytes}): the preamble is damaged");
        if (length < DataFileLayout.Preamble + headerLength)
            throw Bad(path, $"is {length} bytes, shorter than its {headerLength}-byte header: truncated");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        if (!SHA256.HashData(header).AsSpan().SequenceEqual(preamble.AsSpan(16, 32)))
            throw Bad(path, "has a header whose checksum (SHA-256) does not match: the header is damaged");
        DataFileHeader? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<DataFileHeader>(header, Json);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"has a header that is not the expected JSON: {e.Message}");
        }
        if (parsed is null) throw Bad(path, "has an empty header");
        var problems = parsed.Problems();
        if (problems.Count > 0) throw Bad(path, "has a header that does not hold together: " + string.Join("; ", problems));
        var layout = new DataFileLayout(path, parsed, DataFileLayout.DataOffsetFor(headerLength), length);
        if (length < layout.ExpectedLength)
            throw Bad(path, $"is {length:N0} bytes, but its header ({parsed.Train:N0} + {parsed.Test:N0} records of {parsed.RecordBytes:N0} bytes and their labels) needs {layout.ExpectedLength:N0}: truncated");
        if (length > layout.ExpectedLength)
            throw Bad(path, $"is {length:N0} bytes, {length - layout.ExpectedLength:N0} more than its header ({parsed.Train:N0} + {parsed.Test:N0} records of {parsed.RecordBytes:N0} bytes and their labels) accounts for: the header does not match the file");
        return layout;
    }

    /// <summary>Every label of both splits (train first), each checked against the class count.</summary>
    /// <exception cref="InvalidDataException">a label is out of range: the file, the split, the record and the value are named.</exception>
    public static ushort[] ReadLabels(DataFileLayout layout)
    {
        var count = layout.Header.Train + layout.Header.Test;
        var labels = new ushort[count];
        using var stream = new FileStream(layout.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        stream.Position = layout.LabelOffset;
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(labels.AsSpan());
        stream.ReadExactly(bytes);
        if (!BitConverter.IsLittleEndian)
            for (var i = 0; i < labels.Length; i++) labels[i] = BinaryPrimitives.ReverseEndianness(labels[i]);
        var classes = layout.Header.Classes.Count;
        for (long i = 0; i < count; i++)
            if (labels[i] >= classes)
            {
                var (split, index) = i < layout.Header.Train ? ("train", i) : ("test", i - layout.Header.Train);
                throw Bad(layout.Path, $"{split} record {index} has label {labels[i]}, but the header names {classes} classes (0..{classes - 1})");
            }
        return labels;
    }

    private static InvalidDataException Bad(string path, string problem) => new($"{path} {problem}");
}
