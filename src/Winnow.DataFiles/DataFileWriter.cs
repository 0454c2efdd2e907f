using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Winnow.DataFiles;

/// <summary>Writes a data file record by record: every train record, then every test record. The per-channel mean and standard
/// deviation of the train records are measured on the way, unless given. The file appears under its name only when
/// <see cref="Finish"/> has written its header; until then it is <c>&lt;name&gt;.partial</c>, removed if the writer is disposed unfinished.</summary>
public sealed class DataFileWriter : IDisposable
{
    private readonly string _path;
    private readonly string _partial;
    private readonly FileStream _stream;
    private readonly IReadOnlyList<int> _shape;
    private readonly IReadOnlyList<string> _classes;
    private readonly string _source;
    private readonly (float[] Mean, float[] Std)? _normalization;
    private readonly long _dataOffset;
    private readonly int _headerLength;
    private readonly List<ushort> _labels = [];
    private readonly double[] _sum;
    private readonly double[] _sumSquares;
    private readonly long _channelValues;
    private long _train;
    private long _test;
    private bool _finished;

    /// <param name="normalization">Per-channel mean and std on the [0, 1] scale; null to measure them on the train records.</param>
    public DataFileWriter(string path, IReadOnlyList<int> shape, IReadOnlyList<string> classes, string source, (float[] Mean, float[] Std)? normalization = null)
    {
        _path = Path.GetFullPath(path);
        _partial = _path + ".partial";
        _shape = [.. shape];
        _classes = [.. classes];
        _source = source;
        _normalization = normalization;
        var probe = new DataFileHeader(_shape, _classes, [.. Enumerable.Repeat(-1.2345678E-30f, shape[0])], [.. Enumerable.Repeat(-1.2345678E-30f, shape[0])],
            long.MaxValue, long.MaxValue, source);
        var problems = probe.Problems().Where(p => !p.Contains("std", StringComparison.Ordinal)).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        // The header is written last, when the counts and statistics are known; its room is reserved now, for the longest numbers.
        _headerLength = Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(probe, DataFile.Json));
        _dataOffset = DataFileLayout.DataOffsetFor(_headerLength);
        _sum = new double[shape[0]];
        _sumSquares = new double[shape[0]];
        _channelValues = probe.RecordBytes / shape[0];
        _stream = new FileStream(_partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        _stream.SetLength(_dataOffset);
        _stream.Position = _dataOffset;
    }

    public long RecordBytes => _channelValues * _shape[0];

    public long TrainCount => _train;

    public long TestCount => _test;

    /// <summary>Appends a train record; all of them come before the first test record.</summary>
    public void AddTrain(ReadOnlySpan<byte> record, int label)
    {
        if (_test > 0) throw new InvalidOperationException("every train record comes before the first test record");
        Add(record, label);
        _train++;
        if (_normalization is not null) return;
        for (var c = 0; c < _sum.Length; c++)
        {
            long sum = 0, squares = 0;
            foreach (var b in record.Slice((int)(c * _channelValues), (int)_channelValues))
            {
                sum += b;
                squares += b * b;
            }
            _sum[c] += sum;
            _sumSquares[c] += squares;
        }
    }

    public void AddTest(ReadOnlySpan<byte> record, int label)
    {
        Add(record, label);
        _test++;
    }

    private void Add(ReadOnlySpan<byte> record, int label)
    {
        if (record.Length != RecordBytes) throw new ArgumentException($"a record is {RecordBytes} bytes; got {record.Length}", nameof(record));
        if ((uint)label >= (uint)_classes.Count) throw new ArgumentOutOfRangeException(nameof(label), label, $"labels are 0..{_classes.Count - 1}");
        _stream.Write(record);
        _labels.Add((ushort)label);
    }

    /// <summary>Writes the labels and the header, and gives the file its name. Returns its header.</summary>
    public DataFileHeader Finish()
    {
        if (_train == 0 || _test == 0) throw new InvalidOperationException($"both splits need records: train {_train}, test {_test}");
        var (mean, std) = _normalization ?? Measured();
        var labels = new byte[_labels.Count * 2];
        for (var i = 0; i < _labels.Count; i++) BinaryPrimitives.WriteUInt16LittleEndian(labels.AsSpan(i * 2), _labels[i]);
        _stream.Write(labels);
        var header = new DataFileHeader(_shape, _classes, mean, std, _train, _test, _source);
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header, DataFile.Json));
        // Padded with spaces to the reserved length, which JSON allows, so that the records stay where they were written.
        var padded = new byte[_headerLength];
        Array.Fill(padded, (byte)' ');
        json.CopyTo(padded, 0);
        var preamble = new byte[DataFileLayout.Preamble];
        Encoding.ASCII.GetBytes(DataFileLayout.Magic).CopyTo(preamble, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(preamble.AsSpan(8), DataFileLayout.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(preamble.AsSpan(12), (uint)padded.Length);
        SHA256.HashData(padded).CopyTo(preamble, 16);
        _stream.Position = 0;
        _stream.Write(preamble);
        _stream.Write(padded);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_partial, _path, overwrite: true);
        _finished = true;
        return header;
    }

    private (float[] Mean, float[] Std) Measured()
    {
        var n = (double)_train * _channelValues * 255.0 * 255.0;
        var mean = new float[_sum.Length];
        var std = new float[_sum.Length];
        for (var c = 0; c < _sum.Length; c++)
        {
            var m = _sum[c] / (_train * _channelValues) / 255.0;
            var variance = _sumSquares[c] / n - m * m;
            mean[c] = (float)m;
            // A channel of one value everywhere would divide by 0: it is left unscaled.
            std[c] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }
        return (mean, std);
    }

    public void Dispose()
    {
        if (_finished) return;
        _stream.Dispose();
        File.Delete(_partial);
    }
}
