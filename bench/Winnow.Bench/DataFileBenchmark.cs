using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Winnow.Engine.Configuration;
using Winnow.Engine.Data;
using Winnow.Engine.Plugins;
using static TorchSharp.torch;

namespace Winnow.Bench;

// Training from a data file's memory map against from memory.
public sealed partial class BenchSuite
{
    private const int DataFilePairs = 7;
    private const int DataFileEpochsPerTiming = 20;

    /// <summary>Samples per second of the batch path (an index gather of a batch, then its conversion to normalised float32) from
    /// the <c>data-file</c> dataset's memory map of the run's dataset, written to a data file, against from the same bytes as the
    /// dataset plugin holds them in memory; the page cache holds the file, as it does after the first epoch of a file that fits.
    /// Timed in alternating pairs of <see cref="DataFileEpochsPerTiming"/> shuffled epochs each, after one untimed epoch of each,
    /// which maps the file's pages into the process.</summary>
    public BenchResult DataFile()
    {
        var run = SettingsFor("full", null, 1, limit: false, augment: false).Run;
        var dataset = RunComposer.Choose(run, catalog).Dataset;
        using var memory = ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, new DatasetContext(saved.BaseDirectory, run.Seed));
        const string name = "data file: samples/s from the map / in memory (page cache warm)";
        if (memory.Train.Normalization is null)
            return new BenchResult(name, "—", "≥ 0.90", BenchResult.Judge(false), $"{dataset.Name} stores float32, which a data file cannot hold; nothing to compare");
        var file = Path.Combine(_output, "bench.wds");
        DataFileExport.Write(memory, file, $"winnow bench, from {dataset.Name}", _ => { });
        using var mapped = OpenDataFile(file);
        using (var stream = File.OpenRead(file))
        {
            var buffer = new byte[1 << 20];
            while (stream.Read(buffer) > 0) { }
        }

        var n = memory.Train.Count;
        using var generator = new Generator((ulong)run.Seed);
        double Epochs(LabeledData split)
        {
            var normalization = split.Normalization!.On(CPU, (int)split.Inputs.dim());
            var clock = Stopwatch.StartNew();
            for (var e = 0; e < DataFileEpochsPerTiming; e++)
            {
                using var order = randperm(n, generator: generator);
                for (long start = 0; start < n; start += run.BatchSize)
                {
                    using var scope = NewDisposeScope();
                    var x = Normalization.Apply(split.Inputs.index_select(0, order.narrow(0, start, Math.Min(run.BatchSize, n - start))), normalization);
                    _ = x.sum().item<float>();
                }
            }
            normalization.Mean.Dispose();
            normalization.Std.Dispose();
            return DataFileEpochsPerTiming * n / clock.Elapsed.TotalSeconds;
        }
        Epochs(mapped.Train);
        Epochs(memory.Train);
        var map = new List<double>();
        var inMemory = new List<double>();
        for (var p = 0; p < DataFilePairs; p++)
        {
            map.Add(Epochs(mapped.Train));
            inMemory.Add(Epochs(memory.Train));
        }
        var pairs = new Pairs([.. map.Zip(inMemory, (a, b) => a / b)]);
        return new BenchResult(name, pairs.Median.ToString("F2", C), "≥ 0.90", pairs.Judge(pairs.Median >= 0.9),
            string.Create(C, $"{dataset.Name}, {n:N0} training samples of {memory.Train.Inputs.NumberOfElements / n:N0} bytes, batch {run.BatchSize}: " +
                             $"from the map {Stats.Median(map):N0} samples/s, in memory {Stats.Median(inMemory):N0} samples/s (medians); {pairs.Describe("F3")}"));
    }

    private Dataset OpenDataFile(string file)
    {
        var values = saved.Values.Where(kv => !kv.Key.StartsWith("Run:Dataset", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.OrdinalIgnoreCase);
        values["Run:Dataset:Name"] = "data-file";
        values["Run:Dataset:Options:Path"] = file;
        var run = StrictBinder.Bind<WinnowSettings>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), "").Run;
        var dataset = RunComposer.Choose(run, catalog).Dataset;
        return ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, new DatasetContext(saved.BaseDirectory, run.Seed));
    }
}
