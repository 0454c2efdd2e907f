using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Plugins;
using static TorchSharp.torch;

namespace Winnow.Bench;

// The data path's share of a step, and the process's memory across epochs.
public sealed partial class BenchSuite
{
    /// <summary>The share of a cnn training step spent gathering the batch from the data tensors, converting bytes to normalised
    /// float32 when the dataset stores bytes, and augmenting it (crop and flip, when
    /// the dataset plugin offers <c>Augment</c>), on the whole training split.</summary>
    public BenchResult DataPath()
    {
        var run = SettingsFor("full", null, 1, limit: false, augment: true).Run;
        var chosen = RunComposer.Choose(run, catalog);
        var (model, dataset) = (chosen.Model, chosen.Dataset);
        var data = OpenData(dataset, run);
        torch.manual_seed(run.Seed);
        using var network = ((IModelPlugin)model.Plugin).Create(model.Options, new ModelSpec(data.SampleShape, data.ClassNames.Count));
        using var optimizer = optim.SGD(network.parameters(), run.LearningRate, run.Momentum, 0, run.WeightDecay, run.Nesterov, false);
        network.train();
        var random = new Random(1);
        using var generator = new torch.Generator(1);
        var n = data.Train.Count;
        var normalization = data.Train.Normalization?.On(CPU, (int)data.Train.Inputs.dim());
        double gather = 0, step = 0;
        var clock = new Stopwatch();
        for (var s = 0; s < options.DataPathSteps + 10; s++)
        {
            using var scope = torch.NewDisposeScope();
            var indices = new long[run.BatchSize];
            for (var i = 0; i < indices.Length; i++) indices[i] = random.Next(n);
            clock.Restart();
            var batch = torch.tensor(indices);
            var x = data.Train.Inputs.index_select(0, batch);
            if (normalization is { } stats) x = Normalization.Apply(x, stats);
            var y = data.Train.Labels.index_select(0, batch);
            if (data.Augmentation is { } augmentation) x = augmentation.Apply(x, generator);
            var gathered = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var loss = nn.functional.cross_entropy(network.call(x).Logits, y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            _ = loss.item<float>();
            if (s < 10) continue;
            gather += gathered;
            step += clock.Elapsed.TotalSeconds;
        }
        var share = gather / (gather + step);
        var augmented = data.Augmentation is null ? "no augmentation (the dataset has none)" : $"augmentation {data.Augmentation.GetType().Name}";
        return new BenchResult("data path: batch gather + augmentation / training step", string.Create(C, $"{share * 100:F2}%"), "< 5%", BenchResult.Judge(share < 0.05),
            string.Create(C, $"{gather / options.DataPathSteps * 1000:F2} ms gather+augment, {step / options.DataPathSteps * 1000:F1} ms forward+backward+step per batch of {run.BatchSize} " +
                             $"(mean of {options.DataPathSteps}); {dataset.Name}, {n:N0} training samples, {augmented}"));
    }

    /// <summary>The resident memory the whole dataset (both splits, no limits) takes as the plugin stores it, against the same samples
    /// stored as normalised float32 (how every image reader stored them before images stayed bytes until the batch). Each reading is
    /// taken after a full garbage collection and after returning the C heap's free memory, so the reader's temporary buffers do not
    /// count.</summary>
    public BenchResult DataMemory()
    {
        static long Settled()
        {
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            NativeHeap.Trim();
            return NativeHeap.ResidentSet();
        }
        var run = SettingsFor("full", null, 1, limit: false, augment: false).Run;
        var dataset = RunComposer.Choose(run, catalog).Dataset;
        var before = Settled();
        using var data = ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, new DatasetContext(saved.BaseDirectory, run.Seed));
        var stored = Settled() - before;
        if (data.Train.Normalization is not { } normalization)
            return new BenchResult("data memory: float32 storage / as stored", "—", "≥ 3.5×", BenchResult.Judge(false),
                $"{dataset.Name} stores float32 already: {stored / 1048576.0:F0} MiB resident ({data.Bytes / 1048576.0:F0} MiB of tensors); nothing to compare");
        Tensor Floats(LabeledData split) => Normalization.Apply(split.Inputs, normalization.On(CPU, (int)split.Inputs.dim()));
        using var train = Floats(data.Train);
        using var test = Floats(data.Test);
        var floats = Settled() - before - stored + data.Train.Labels.NumberOfElements * 8 + data.Test.Labels.NumberOfElements * 8;
        var ratio = (double)floats / stored;
        return new BenchResult("data memory: float32 storage / as stored (bytes)", string.Create(C, $"{ratio:F2}×"), "≥ 3.5× (ideal 4× for the pixels)",
            BenchResult.Judge(ratio >= 3.5),
            string.Create(C, $"{dataset.Name}, {data.Train.Count:N0} + {data.Test.Count:N0} samples: resident {stored / 1048576.0:F1} MiB as bytes " +
                             $"({data.Bytes / 1048576.0:F1} MiB of tensors, labels included), {floats / 1048576.0:F1} MiB as float32 (labels included)"));
    }

    /// <summary>Resident memory of the process after the last epoch against after the second, for a full-data run and a ucb run of
    /// <see cref="BenchOptions.MemoryEpochs"/> epochs each. Each reading is taken as the epoch ends, after a full garbage collection and
    /// (on Linux) after returning the C heap's free memory to the system: what the process holds, not garbage that happens not to
    /// be collected yet. The raw readings, taken just before, are shown beside it.</summary>
    public BenchResult Memory()
    {
        // Start from what the process really holds: the other benchmarks' garbage (10-million-sample boards) collected and returned.
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var runs = new[] { ("full", (double?)null), ("ucb", 0.3) }
            .Select(p => (Run: p.Item2 is null ? p.Item1 : $"{p.Item1} k={p.Item2.Value.ToString(C)}", Timings: EngineRun(p.Item1, p.Item2, options.MemoryEpochs, collect: true).Observer))
            .ToList();
        static double Change(List<long> r) => (double)r[^1] / r[1] - 1;
        var worst = runs.MaxBy(r => Math.Abs(Change(r.Timings.Collected)));
        static string MiB(IEnumerable<long> r) => string.Join(" ", r.Select(x => (x / 1048576.0).ToString("F0", C)));
        var all = string.Join("; ", runs.Select(r =>
            string.Create(C, $"{r.Run}: {MiB(r.Timings.Collected)} MiB ({Change(r.Timings.Collected) * 100:+0.00;-0.00}%; raw, before collecting: {MiB(r.Timings.Resident)} MiB, {Change(r.Timings.Resident) * 100:+0.00;-0.00}%)")));
        var change = Change(worst.Timings.Collected);
        return new BenchResult("memory: resident set after the last epoch vs after the second", string.Create(C, $"{change * 100:+0.00;-0.00}%"), "within ±5%",
            BenchResult.Judge(Math.Abs(change) <= 0.05),
            string.Create(C, $"worst of {runs.Count} runs of {options.MemoryEpochs} epochs: {worst.Run}; per epoch, after a collection: {all}"));
    }
}
