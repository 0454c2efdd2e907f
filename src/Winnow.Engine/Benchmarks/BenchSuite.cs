using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Reports;
using Winnow.Engine.Runs;
using Winnow.Engine.Sweeps;
using Winnow.Engine.Training;
using static TorchSharp.torch;

namespace Winnow.Engine.Benchmarks;

/// <summary>One benchmark's figure next to its target.</summary>
/// <param name="Met">Whether the target was met; null when the benchmark could not run.</param>
/// <param name="Detail">What was measured, in a line: the raw timings behind the figure.</param>
public sealed record BenchResult(string Name, string Measured, string Target, bool? Met, string Detail);

/// <summary>How long and how large the benchmarks are.</summary>
/// <param name="Repeats">Measured epochs of each timed loop (after one warm-up epoch), and timed selections per policy.</param>
/// <param name="TrainLimit">Training samples for the epoch benchmarks (0: the whole dataset).</param>
/// <param name="TestLimit">Test samples evaluated after each epoch (0: all).</param>
/// <param name="DataPathSteps">Timed training steps of the data-path benchmark.</param>
/// <param name="SelectionSizes">N of the synthetic score boards the policies select from.</param>
/// <param name="MemoryEpochs">Epochs of the runs whose resident memory is followed.</param>
public sealed record BenchOptions(int Repeats, int TrainLimit, int TestLimit, int DataPathSteps, int[] SelectionSizes, int MemoryEpochs)
{
    /// <summary>About two minutes on two cores: 10,000 training samples, four measured epochs, memory over 8 epochs.</summary>
    public static BenchOptions Quick { get; } = new(4, 10_000, 2_000, 100, [1_281_167, 10_000_000], 8);

    /// <summary>The whole of Fashion-MNIST, three measured epochs, memory over 10 epochs: about a quarter of an hour on two cores.</summary>
    public static BenchOptions Full { get; } = new(3, 0, 0, 300, [1_281_167, 10_000_000], 10);
}

/// <summary>The performance benchmarks of <c>winnow bench</c>: engine overhead against a hand-written TorchSharp loop, the speed-up of
/// pruned runs against the ideal, one selection by every policy over large N, the data path's share of a step, and memory across
/// epochs. Each returns its figure and target; none is a unit test.</summary>
public sealed class BenchSuite(WinnowSettings settings, SavedSettings saved, PluginCatalog catalog, BenchOptions options, TextWriter log) : IDisposable
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private readonly DatasetCache _datasets = new();
    private readonly string _output = Directory.CreateTempSubdirectory("winnow-bench-").FullName;
    private List<EpochTiming>? _fullEpochs;

    /// <summary>Per measured epoch: training seconds, samples trained, and the wall-clock of the epoch without evaluation.</summary>
    private sealed record EpochTiming(double TrainSeconds, int SamplesTrained, double WallSeconds);

    public void Dispose()
    {
        _datasets.Dispose();
        try
        {
            Directory.Delete(_output, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder: leave it.
        }
    }

    /// <summary>A full-data epoch through the engine (planning, training, per-sample scoring, records and checkpoint; evaluation left out)
    /// against a minimal hand-written loop on the same model, data, batch size and threads: shuffle, gather, forward, mean cross-entropy,
    /// backward, SGD step. The two alternate epoch by epoch in one process (a hand-written epoch runs as each engine epoch ends and is
    /// taken out of the engine's time), so that a slow minute of a shared machine falls on both; the median of the per-epoch ratios is the figure.</summary>
    public BenchResult EngineOverhead()
    {
        using var hand = new HandWrittenLoop(SettingsFor("full", null, 1, limit: true, augment: false).Run, catalog, saved.BaseDirectory, _datasets);
        hand.Epoch(); // warm-up
        var repeats = options.Repeats;
        var (observer, metrics) = EngineRunObserved("full", null, repeats + 2, collect: false, between: e => e >= 1 && e <= repeats ? hand.Epoch() : 0);
        _fullEpochs = Measured(observer, metrics);
        var handSeconds = Enumerable.Range(1, repeats).Select(e => observer.Between[e]).ToList();
        var ratios = _fullEpochs.Zip(handSeconds, (engine, minimal) => engine.WallSeconds / minimal).ToList();
        var ratio = Median(ratios);
        return new BenchResult("engine overhead: full-data epoch / hand-written loop", string.Create(C, $"{ratio:F3}x"), "<= 1.05x", ratio <= 1.05,
            string.Create(C, $"median of {ratios.Count} alternating pairs ({string.Join(", ", ratios.Select(r => r.ToString("F3", C)))}); engine {Median(_fullEpochs.Select(e => e.WallSeconds)):F2} s/epoch " +
                             $"(training {Median(_fullEpochs.Select(e => e.TrainSeconds)):F2} s of it), hand-written {Median(handSeconds):F2} s/epoch; {DataLine()}"));
    }

    /// <summary>Training time of pruned runs against the ideal 1/k_eff of the full run's (same epochs, data and seed).</summary>
    public IReadOnlyList<BenchResult> SpeedUp()
    {
        _fullEpochs ??= EngineRun("full", null, options.Repeats + 2);
        var pruned = new[] { ("random-dynamic", 0.3), ("ucb", 0.3) }.Select(p => (Policy: p.Item1, Keep: p.Item2, Epochs: EngineRun(p.Item1, p.Item2, options.Repeats + 2))).ToList();
        // A second full run after the pruned ones: the full-data time is the mean of one before and one after them.
        var fullEpochs = _fullEpochs.Concat(EngineRun("full", null, options.Repeats + 2)).ToList();
        var fullTrain = fullEpochs.Average(e => e.TrainSeconds);
        var n = fullEpochs[0].SamplesTrained;
        var results = new List<BenchResult>();
        foreach (var (policy, keep, epochs) in pruned)
        {
            var train = epochs.Average(e => e.TrainSeconds);
            var kEff = epochs.Average(e => (double)e.SamplesTrained) / n;
            var speedUp = fullTrain / train;
            var share = speedUp * kEff;
            results.Add(new BenchResult($"speed-up: {policy} k={keep.ToString(C)} training time vs ideal 1/k_eff", string.Create(C, $"{share:F3} of ideal"), ">= 0.90 of ideal",
                share >= 0.9, string.Create(C, $"full {fullTrain:F2} s (mean of {fullEpochs.Count} epochs in two runs, one before and one after), {policy} {train:F2} s of training per epoch: {speedUp:F2}x against an ideal {1 / kEff:F2}x (k_eff {kEff:F3})")));
        }
        return results;
    }

    /// <summary>One selection by every loaded policy over a synthetic score board of N samples (random losses observed twice, so means
    /// and variances are set), timed as the engine times selecting: the plan, its check, and the count of selections.</summary>
    public IReadOnlyList<BenchResult> Selection()
    {
        var results = new List<BenchResult>();
        var policies = catalog.Entries.Where(e => e.Kind == PluginKind.Policy && e.IsCompatible).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        foreach (var entry in policies) TimeSelection(entry, 10_000, 1); // JIT and first-touch warm-up
        foreach (var n in options.SelectionSizes)
        {
            var target = n <= 1_281_167 ? 0.050 : 0.5;
            var board = SyntheticBoard(n);
            foreach (var entry in policies)
            {
                var (seconds, epoch, kept) = TimeSelection(entry, n, options.Repeats + 1, board);
                results.Add(new BenchResult($"selection: {entry.Name}, N = {n.ToString("N0", C)}", string.Create(C, $"{seconds * 1000:F1} ms"),
                    string.Create(C, $"<= {target * 1000:F0} ms"), seconds <= target,
                    string.Create(C, $"median of {options.Repeats + 1}, at epoch {epoch + 1} (its first selection), {kept:N0} samples kept")));
            }
        }
        return results;
    }

    /// <summary>The share of a cnn training step spent gathering the batch from the data tensors and augmenting it (crop and flip, when
    /// the dataset plugin offers <c>Augment</c>), on the whole training split.</summary>
    public BenchResult DataPath()
    {
        var run = SettingsFor("full", null, 1, limit: false, augment: true).Run;
        var (model, dataset, _, _) = RunComposer.Choose(run, catalog);
        var data = _datasets.Open(dataset, new DatasetContext(saved.BaseDirectory, run.Seed),
            () => ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, new DatasetContext(saved.BaseDirectory, run.Seed)));
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
        return new BenchResult("data path: batch gather + augmentation / training step", string.Create(C, $"{share * 100:F2}%"), "< 5%", share < 0.05,
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
            .Select(p => (Run: p.Item2 is null ? p.Item1 : $"{p.Item1} k={p.Item2.Value.ToString(C)}", Timings: EngineRunObserved(p.Item1, p.Item2, options.MemoryEpochs, collect: true).Observer))
            .ToList();
        static double Change(List<long> r) => (double)r[^1] / r[1] - 1;
        var worst = runs.MaxBy(r => Math.Abs(Change(r.Timings.Collected)));
        static string MiB(IEnumerable<long> r) => string.Join(" ", r.Select(x => (x / 1048576.0).ToString("F0", C)));
        var all = string.Join("; ", runs.Select(r =>
            string.Create(C, $"{r.Run}: {MiB(r.Timings.Collected)} MiB ({Change(r.Timings.Collected) * 100:+0.00;-0.00}%; raw, before collecting: {MiB(r.Timings.Resident)} MiB, {Change(r.Timings.Resident) * 100:+0.00;-0.00}%)")));
        var change = Change(worst.Timings.Collected);
        return new BenchResult("memory: resident set after the last epoch vs after the second", string.Create(C, $"{change * 100:+0.00;-0.00}%"), "within ±5%",
            Math.Abs(change) <= 0.05,
            string.Create(C, $"worst of {runs.Count} runs of {options.MemoryEpochs} epochs: {worst.Run}; per epoch, after a collection: {all}"));
    }

    private string DataLine()
    {
        var r = settings.Run;
        return string.Create(C, $"{r.Model.Name} on {r.Dataset.Name} ({(options.TrainLimit == 0 ? "all" : options.TrainLimit.ToString("N0", C))} training samples), " +
                                $"batch {r.BatchSize}, {torch.get_num_threads()} threads");
    }

    // A run through RunExecutor, as `winnow run` does; epochs after the first are measured. An epoch's wall-clock runs from the
    // start of its training to the start of the next epoch's, less its evaluation: it holds the records, the checkpoint and the next plan.
    private List<EpochTiming> EngineRun(string policy, double? keep, int epochs)
    {
        var (observer, metrics) = EngineRunObserved(policy, keep, epochs, collect: false);
        return Measured(observer, metrics);
    }

    // Epochs 2 … E−1 (the first warms up; the last has no next start to close it): training seconds, samples, and the wall-clock
    // from one epoch's start to the next's less its evaluation and anything run between epochs.
    private static List<EpochTiming> Measured(Timings observer, List<EpochMetrics> metrics)
    {
        var timings = new List<EpochTiming>();
        for (var e = 1; e < metrics.Count - 1; e++)
            timings.Add(new EpochTiming(metrics[e].TrainSeconds, metrics[e].SamplesTrained,
                observer.Starts[e + 1] - observer.Starts[e] - metrics[e].EvaluatingSeconds - observer.Between[e]));
        return timings;
    }

    private (Timings Observer, List<EpochMetrics> Metrics) EngineRunObserved(string policy, double? keep, int epochs, bool collect,
        Func<int, double>? between = null)
    {
        var runSettings = SettingsFor(policy, keep, epochs, limit: true, augment: false);
        var observer = new Timings(collect, between);
        log.WriteLine($"  engine: {policy}{(keep is null ? "" : $" k={keep.Value.ToString(C)}")}, {epochs} epochs…");
        var (folder, summary) = RunExecutor.Start(runSettings, saved, catalog, observer, TextWriter.Null, default, _datasets);
        if (summary.Status != "completed") throw new TrainingError($"the benchmark run {folder.Path} ended {summary.Status}: {summary.Error}");
        return (observer, RunData.ReadMetrics(folder.MetricsCsv));
    }

    // The minimal loop: the same model (created by its plugin with the run's seed), data tensors, batch size, optimiser and threads.
    private sealed class HandWrittenLoop : IDisposable
    {
        private readonly Classifier _network;
        private readonly TorchSharp.Modules.OptimizerHelper _optimizer;
        private readonly Tensor _x;
        private readonly Tensor _y;
        private readonly int _batch;
        private readonly Random _random;

        public HandWrittenLoop(RunSettings run, PluginCatalog catalog, string baseDirectory, DatasetCache datasets)
        {
            var (model, dataset, _, _) = RunComposer.Choose(run, catalog);
            var context = new DatasetContext(baseDirectory, run.Seed);
            var data = datasets.Open(dataset, context, () => ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, context));
            torch.manual_seed(run.Seed);
            _network = ((IModelPlugin)model.Plugin).Create(model.Options, new ModelSpec(data.SampleShape, data.ClassNames.Count));
            _optimizer = optim.SGD(_network.parameters(), run.LearningRate, run.Momentum, 0, run.WeightDecay, run.Nesterov, false);
            _x = data.Train.Inputs;
            _y = data.Train.Labels;
            _batch = run.BatchSize;
            _random = new Random(run.Seed);
        }

        /// <summary>One epoch over the whole training split; returns its seconds.</summary>
        public double Epoch()
        {
            var clock = Stopwatch.StartNew();
            _network.train();
            var n = (int)_y.shape[0];
            var order = new long[n];
            for (var i = 0; i < n; i++) order[i] = i;
            _random.Shuffle(order);
            using var orderTensor = torch.tensor(order);
            for (var start = 0; start < n; start += _batch)
            {
                using var scope = torch.NewDisposeScope();
                var indices = orderTensor.narrow(0, start, Math.Min(_batch, n - start));
                var loss = nn.functional.cross_entropy(_network.call(_x.index_select(0, indices)).Logits, _y.index_select(0, indices));
                _optimizer.zero_grad();
                loss.backward();
                _optimizer.step();
                _ = loss.item<float>();
            }
            return clock.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _network.Dispose();
        }
    }

    // The configuration with the policy, epochs and output folder of a benchmark run, and the dataset's limits and augmentation set
    // where the dataset plugin has those options.
    private WinnowSettings SettingsFor(string policy, double? keep, int epochs, bool limit, bool augment)
    {
        var values = saved.Values.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.OrdinalIgnoreCase);
        foreach (var key in values.Keys.Where(k => k.StartsWith("Run:Policy", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Run:Scorer", StringComparison.OrdinalIgnoreCase)).ToList())
            values.Remove(key);
        values["Run:Policy:Name"] = policy;
        if (keep is { } k) values["Run:Policy:Options:KeepFraction"] = k.ToString(C);
        values["Run:Epochs"] = epochs.ToString(C);
        values["Run:StopAfterEpoch"] = "0";
        values["Run:OutputDirectory"] = _output;

        var keys = new CatalogOptionKeys(catalog).Of(PluginKind.Dataset, settings.Run.Dataset.Name) ?? [];
        void Set(string option, string? value)
        {
            if (keys.Contains(option, StringComparer.OrdinalIgnoreCase)) values[$"Run:Dataset:Options:{option}"] = value;
        }
        Set("TrainLimit", limit && options.TrainLimit > 0 ? options.TrainLimit.ToString(C) : "0");
        Set("TestLimit", limit && options.TestLimit > 0 ? options.TestLimit.ToString(C) : "0");
        Set("Augment", augment ? "true" : "false");
        return StrictBinder.Bind<WinnowSettings>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), "");
    }

    private static ScoreBoard SyntheticBoard(int n)
    {
        var board = new ScoreBoard(n);
        var random = new Random(7);
        var indices = new long[n];
        for (var i = 0; i < n; i++) indices[i] = i;
        var values = new float[n];
        for (var epoch = 0; epoch < 2; epoch++)
        {
            for (var i = 0; i < n; i++) values[i] = (float)(-Math.Log(1 - random.NextDouble()) * 0.7);
            board.Observe(indices, values, epoch);
        }
        return board;
    }

    // Creates the policy with its default options and plans epochs 0, 1, … until it prunes (or epoch 0 for one that never does);
    // that plan is timed with the engine's check and count. Refresh passes do nothing here: they are the scorer's cost, not selection's.
    private (double Seconds, int Epoch, int Kept) TimeSelection(PluginEntry entry, int n, int repeats, ScoreBoard? board = null)
    {
        board ??= SyntheticBoard(n);
        var plugin = (IPolicyPlugin)PluginCatalog.Instantiate(entry);
        var policyOptions = StrictBinder.Bind(new ConfigurationBuilder().Build(), PluginCatalog.OptionsTypeOf(entry, plugin), "Run:Policy:Options");
        var random = new Random(3);
        var labels = new int[n];
        for (var i = 0; i < n; i++) labels[i] = random.Next(10);
        const int epochs = 10;
        var times = new List<double>();
        int chosenEpoch = 0, kept = 0;
        for (var r = 0; r < repeats; r++)
        {
            var policy = plugin.Create(policyOptions, new PolicyContext(n, epochs, 1) { Labels = labels });
            for (var epoch = 0; epoch < epochs; epoch++)
            {
                var context = new EpochContext(epoch, board, Seeds.For(1, Seeds.Stream.Policy, epoch), (_, _) => { });
                // The garbage of earlier plans is collected first, so that one plan's time does not carry another's collection.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var clock = Stopwatch.StartNew();
                var plan = policy.Plan(context);
                PlanCheck.Validate(plan, n, entry.Name, epoch);
                board.CountSelected(plan.Indices);
                var seconds = clock.Elapsed.TotalSeconds;
                var prunes = plan.Indices.Length < n || plan.Weights is not null;
                if (!prunes && epoch < epochs - 1 && !IsFull(entry)) continue;
                times.Add(seconds);
                chosenEpoch = epoch;
                kept = plan.Indices.Length;
                break;
            }
        }
        return (Median(times), chosenEpoch, kept);
    }

    private static bool IsFull(PluginEntry entry) => string.Equals(entry.Name, "full", StringComparison.OrdinalIgnoreCase);

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        if (v.Count == 0) return double.NaN;
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    /// <summary>Records when each epoch's training starts and the resident set after each epoch (and, with <paramref name="collect"/>,
    /// again after a full garbage collection);
    /// <paramref name="between"/> runs as each epoch ends (given its 0-based index) and returns the seconds it took.</summary>
    private sealed class Timings(bool collect, Func<int, double>? between) : IRunObserver
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        public List<double> Starts { get; } = [];
        public List<double> Between { get; } = [];
        public List<long> Resident { get; } = [];
        public List<long> Collected { get; } = [];

        public void EpochStarted(int epoch, int epochs, int samples, double learningRate) => Starts.Add(_clock.Elapsed.TotalSeconds);

        public void EpochCompleted(EpochMetrics metrics, int epochs)
        {
            var clock = Stopwatch.StartNew();
            var reported = between?.Invoke(metrics.Epoch - 1) ?? 0;
            Between.Add(reported > 0 ? clock.Elapsed.TotalSeconds : 0);
            Resident.Add(ResidentSet());
            if (!collect) return;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            TrimNativeHeap();
            Collected.Add(ResidentSet());
        }

        // glibc keeps freed memory for reuse; malloc_trim returns it, so the resident set shows what libtorch still holds.
        private static void TrimNativeHeap()
        {
            if (!OperatingSystem.IsLinux()) return;
            try
            {
                MallocTrim(0);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // Another C library (musl): its readings include its caches.
            }
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
        private static extern int MallocTrim(nuint pad);

        private static long ResidentSet()
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
    }
}
