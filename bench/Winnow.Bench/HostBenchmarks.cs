using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Plugins;
using static TorchSharp.torch;

namespace Winnow.Bench;

// The data path's share of a step, and the process's memory across epochs.
public sealed partial class BenchSuite
{
    /// <summary>The share of a cnn training step spent gathering the batch from the data tensors and augmenting it (crop and flip, when
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
