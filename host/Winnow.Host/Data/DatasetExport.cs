using Winnow.DataFiles;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;

namespace Winnow.Host.Data;

/// <summary>Writes what a dataset plugin opens (IDX files through <c>fashion-mnist</c> or <c>mnist</c>, CIFAR files through
/// <c>cifar10</c> or <c>cifar100</c>, or any plugin that stores bytes) into a data file: its splits, class names and normalisation.</summary>
internal static class DatasetExport
{
    private const int Chunk = 4096;

    public static int Run(string pluginName, string output, WinnowSettings settings, string baseDirectory, PluginCatalog catalog, TextWriter log)
    {
        var dataset = RunComposer.Choose(settings.Run, catalog).Dataset;
        log.WriteLine($"reading {pluginName} …");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var data = ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, new DatasetContext(baseDirectory, settings.Run.Seed));
        if (data.Train.Normalization is not { } normalization)
            throw new ConfigurationError($"dataset '{pluginName}' gives float32 inputs, not bytes with a normalisation: a data file holds uint8 records, so it cannot be exported");
        var shape = data.SampleShape.Select(d => checked((int)d)).ToArray();
        using var writer = new DataFileWriter(output, shape, data.ClassNames, $"dataset plugin {pluginName} ({dataset.Entry.AssemblyPath})",
            ([.. normalization.Mean], [.. normalization.Std]));
        Copy(data.Train, writer.AddTrain, "train", log);
        Copy(data.Test, writer.AddTest, "test", log);
        var header = writer.Finish();
        log.WriteLine($"imported {header.Train:N0} train and {header.Test:N0} test records of {header.Classes.Count} classes, [{string.Join(", ", header.Shape)}], in {clock.Elapsed.TotalSeconds:F1}s: {Path.GetFullPath(output)}");
        return Cli.Ok;
    }

    private delegate void Add(ReadOnlySpan<byte> record, int label);

    private static void Copy(LabeledData split, Add add, string name, TextWriter log)
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
        log.WriteLine($"  {name}: {split.Count:N0} records");
    }
}
