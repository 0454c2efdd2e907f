using Winnow.DataFiles;
using Winnow.Engine.Configuration;

namespace Winnow.Engine.Data;

/// <summary>Writes an opened dataset that stores bytes (its splits, class names and normalisation) into a data file, which the
/// <c>data-file</c> dataset then trains from without reading it whole.</summary>
public static class DataFileExport
{
    private const int Chunk = 4096;

    /// <summary>Writes <paramref name="data"/> to <paramref name="output"/> and returns the header; <paramref name="progress"/> hears
    /// of each split as it is written.</summary>
    public static DataFileHeader Write(Dataset data, string output, string source, Action<string> progress)
    {
        if (data.Train.Normalization is not { } normalization)
            throw new ConfigurationError($"{source} gives float32 inputs, not bytes with a normalisation: a data file holds uint8 records, so it cannot be exported");
        var shape = data.SampleShape.Select(d => checked((int)d)).ToArray();
        using var writer = new DataFileWriter(output, shape, data.ClassNames, source, ([.. normalization.Mean], [.. normalization.Std]));
        Copy(data.Train, writer.AddTrain);
        progress($"train: {data.Train.Count:N0} records");
        Copy(data.Test, writer.AddTest);
        progress($"test: {data.Test.Count:N0} records");
        return writer.Finish();
    }

    private delegate void Add(ReadOnlySpan<byte> record, int label);

    private static void Copy(LabeledData split, Add add)
    {
        var labels = split.Labels.data<long>().ToArray();
        var recordBytes = (int)(split.Inputs.NumberOfElements / split.Count);
        for (var start = 0; start < split.Count; start += Chunk)
        {
            var count = Math.Min(Chunk, split.Count - start);
            using var chunk = split.Inputs.narrow(0, start, count).contiguous();
            var bytes = chunk.data<byte>().ToArray();
            for (var i = 0; i < count; i++) add(bytes.AsSpan(i * recordBytes, recordBytes), (int)labels[start + i]);
        }
    }
}
