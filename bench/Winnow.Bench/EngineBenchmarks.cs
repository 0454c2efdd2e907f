using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Training;
using static TorchSharp.torch;

namespace Winnow.Bench;

// The benchmarks of the training loop: the machine's ceiling and the loop's share of it, the first epoch against the others, the engine
// against a hand-written loop, and pruned runs against the ideal speed-up.
public sealed partial class BenchSuite
{
    private double? _ceiling;
    private (Timings Observer, IReadOnlyList<EpochMetrics> Metrics, List<double> HandSeconds)? _full;

    /// <summary>libtorch's SGEMM rate here: what every throughput figure is a share of.</summary>
    public BenchResult MachineCeiling()
    {
        var (gflops, detail) = Ceiling.Sgemm();
        _ceiling = gflops;
        return new BenchResult("ceiling: libtorch SGEMM", string.Create(C, $"{gflops:F1} GFLOP/s"), "—", Verdict.Info, detail);
    }

    /// <summary>A full-data run through the engine, its epochs alternating with epochs of a minimal hand-written loop on the same model,
    /// data, batch size, optimiser and threads (a hand-written epoch runs as each engine epoch ends and is taken out of the engine's
    /// time), so that a slow minute of a shared machine falls on both.</summary>
    private (Timings Observer, IReadOnlyList<EpochMetrics> Metrics, List<double> HandSeconds) FullRun()
    {
        if (_full is { } done) return done;
        using var hand = new HandWrittenLoop(SettingsFor("full", null, 1, limit: true, augment: false).Run, catalog, saved.BaseDirectory, _datasets);
        hand.Epoch(); // warm-up
        var handSeconds = new List<double>();
        var repeats = options.Repeats;
        var (observer, metrics) = EngineRun("full", null, repeats + 2, between: e =>
        {
            if (e < 1 || e > repeats) return false;
            handSeconds.Add(hand.Epoch());
            return true;
        });
        _full = (observer, metrics, handSeconds);
        return _full.Value;
    }

    /// <summary>Training and evaluation throughput of the engine's full-data epochs (after the first) as shares of the SGEMM ceiling:
    /// training counts three forward passes of FLOPs per trained sample, evaluation one per test sample.</summary>
    public IReadOnlyList<BenchResult> Throughput()
    {
        if (_ceiling is null) MachineCeiling();
        var ceiling = _ceiling!.Value;
        var (_, metrics, _) = FullRun();
        var forward = ForwardFlops();
        var later = metrics.Skip(1).ToList();
        var training = new Pairs([.. later.Select(m => 3 * forward * m.SamplesTrained / m.TrainSeconds / 1e9 / ceiling)]);
        var testSamples = TestSamples();
        var evaluation = new Pairs([.. later.Where(m => m.Evaluated).Select(m => forward * testSamples / m.EvaluatingSeconds / 1e9 / ceiling)]);
        string Rate(Pairs p) => string.Create(C, $"{p.Median * ceiling:F1} GFLOP/s of {ceiling:F1}");
        return
        [
            new BenchResult("throughput: training / SGEMM ceiling", string.Create(C, $"{training.Median * 100:F1}%"), ">= 60%", training.Judge(training.Median >= 0.6),
                string.Create(C, $"{Rate(training)}; {3 * forward / 1e6:F1} MFLOP per trained sample (3 x forward, counted from the model's layers); per epoch: {training.Describe()}; {DataLine()}")),
            new BenchResult("throughput: evaluation / SGEMM ceiling", string.Create(C, $"{evaluation.Median * 100:F1}%"), ">= 50%", evaluation.Judge(evaluation.Median >= 0.5),
                string.Create(C, $"{Rate(evaluation)}; {forward / 1e6:F2} MFLOP per test sample, {testSamples:N0} test samples at batch {settings.Run.EvalBatchSize}; per epoch: {evaluation.Describe()}")),
        ];
    }

    /// <summary>The first epoch's training time against each later epoch's: the cost of everything done once (heap growth, kernels
    /// chosen per new tensor shape, JIT).</summary>
    public BenchResult FirstEpoch()
    {
        var (_, metrics, _) = FullRun();
        var pairs = new Pairs([.. metrics.Skip(1).Select(m => metrics[0].TrainSeconds / m.TrainSeconds)]);
        return new BenchResult("first epoch: training time / a later epoch's", string.Create(C, $"{pairs.Median:F3}x"), "<= 1.20x", pairs.Judge(pairs.Median <= 1.2),
            string.Create(C, $"{pairs.Describe()}; epoch 1 trained in {metrics[0].TrainSeconds:F2} s, later epochs {string.Join(", ", metrics.Skip(1).Select(m => m.TrainSeconds.ToString("F2", C)))} s; " +
                             $"memory: {NativeMemory.Description}"));
    }

    /// <summary>A full-data epoch through the engine (planning, training, per-sample scoring, records and checkpoint; evaluation left out)
    /// against the hand-written loop's epoch that alternates with it.</summary>
    public BenchResult EngineOverhead()
    {
        var (observer, metrics, handSeconds) = FullRun();
        var engine = Measured(observer, metrics);
        var pairs = new Pairs([.. engine.Zip(handSeconds, (e, h) => e.WallSeconds / h)]);
        return new BenchResult("engine overhead: full-data epoch / hand-written loop", string.Create(C, $"{pairs.Median:F3}x"), "<= 1.05x", pairs.Judge(pairs.Median <= 1.05),
            string.Create(C, $"{pairs.Describe()}; engine {Stats.Median(engine.Select(e => e.WallSeconds)):F2} s/epoch (training {Stats.Median(engine.Select(e => e.TrainSeconds)):F2} s of it), " +
                             $"hand-written {Stats.Median(handSeconds):F2} s/epoch, both in this process with the same allocator setting; {DataLine()}"));
    }

    /// <summary>Training time of pruned runs against the ideal 1/k_eff of full data's, in rounds (full, then each pruned policy) so that
    /// every round's ratio compares runs made minutes apart. A speed-up above the ideal cannot be real: it is reported as a fault.</summary>
    public IReadOnlyList<BenchResult> SpeedUp()
    {
        var pruned = new[] { ("random-dynamic", 0.3), ("ucb", 0.3) };
        var shares = pruned.ToDictionary(p => p.Item1, _ => new List<double>());
        var speedUps = pruned.ToDictionary(p => p.Item1, _ => new List<double>());
        var keeps = pruned.ToDictionary(p => p.Item1, _ => new List<double>());
        for (var round = 0; round < options.Rounds; round++)
        {
            var (fullObserver, fullMetrics) = EngineRun("full", null, options.Repeats + 2, evaluate: false);
            var full = Measured(fullObserver, fullMetrics);
            var fullTrain = Stats.Median(full.Select(e => e.TrainSeconds));
            var n = full[0].SamplesTrained;
            foreach (var (policy, keep) in pruned)
            {
                var (observer, metrics) = EngineRun(policy, keep, options.Repeats + 2, evaluate: false);
                var epochs = Measured(observer, metrics);
                var kEff = epochs.Average(e => (double)e.SamplesTrained) / n;
                var speedUp = fullTrain / Stats.Median(epochs.Select(e => e.TrainSeconds));
                speedUps[policy].Add(speedUp);
                shares[policy].Add(speedUp * kEff);
                keeps[policy].Add(kEff);
            }
        }
        var results = new List<BenchResult>();
        foreach (var (policy, keep) in pruned)
        {
            var pairs = new Pairs(shares[policy]);
            var kEff = keeps[policy].Average();
            var verdict = pairs.Median > 1 ? Verdict.Fault : pairs.Judge(pairs.Median >= 0.9);
            var fault = verdict == Verdict.Fault ? "; above the ideal, which no pruned run can be: the full runs were slowed by something else (measurement fault)" : "";
            results.Add(new BenchResult($"speed-up: {policy} k={keep.ToString(C)} training time vs ideal 1/k_eff", string.Create(C, $"{pairs.Median:F3} of ideal"), ">= 0.90 of ideal",
                verdict, string.Create(C, $"share of ideal per round: {pairs.Describe()}; speed-up {Stats.Median(speedUps[policy]):F2}x against an ideal {1 / kEff:F2}x (k_eff {kEff:F3}){fault}")));
        }
        return results;
    }

    private double ForwardFlops()
    {
        var run = SettingsFor("full", null, 1, limit: true, augment: false).Run;
        var chosen = RunComposer.Choose(run, catalog);
        var data = OpenData(chosen.Dataset, run);
        torch.manual_seed(run.Seed);
        using var network = ((IModelPlugin)chosen.Model.Plugin).Create(chosen.Model.Options, new ModelSpec(data.SampleShape, data.ClassNames.Count));
        return FlopCount.ForwardPerSample(network, data.SampleShape);
    }

    private int TestSamples()
    {
        var run = SettingsFor("full", null, 1, limit: true, augment: false).Run;
        return OpenData(RunComposer.Choose(run, catalog).Dataset, run).Test.Count;
    }

    private Dataset OpenData(ChosenPlugin dataset, RunSettings run)
    {
        var context = new DatasetContext(saved.BaseDirectory, run.Seed);
        return _datasets.Open(dataset, context, () => ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, context));
    }

    // The minimal loop: the same model (created by its plugin with the run's seed), data tensors, batch size, optimiser and threads.
    private sealed class HandWrittenLoop : IDisposable
    {
        private readonly Classifier _network;
        private readonly TorchSharp.Modules.OptimizerHelper _optimizer;
        private readonly Tensor _x;
        private readonly Tensor _y;
        private readonly (Tensor Mean, Tensor Std)? _normalization;
        private readonly int _batch;
        private readonly Random _random;

        public HandWrittenLoop(RunSettings run, PluginCatalog catalog, string baseDirectory, DatasetCache datasets)
        {
            var chosen = RunComposer.Choose(run, catalog);
            var context = new DatasetContext(baseDirectory, run.Seed);
            var data = datasets.Open(chosen.Dataset, context, () => ((IDatasetPlugin)chosen.Dataset.Plugin).Open(chosen.Dataset.Options, context));
            torch.manual_seed(run.Seed);
            _network = ((IModelPlugin)chosen.Model.Plugin).Create(chosen.Model.Options, new ModelSpec(data.SampleShape, data.ClassNames.Count));
            _optimizer = optim.SGD(_network.parameters(), run.LearningRate, run.Momentum, 0, run.WeightDecay, run.Nesterov, false);
            _x = data.Train.Inputs;
            _y = data.Train.Labels;
            if (data.Train.Normalization is { } n) _normalization = n.On(CPU, (int)_x.dim());
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
                var x = _x.index_select(0, indices);
                // Bytes are converted per batch, as any loop over byte-stored images must.
                if (_normalization is { } stats) x = Normalization.Apply(x, stats);
                var loss = nn.functional.cross_entropy(_network.call(x).Logits, _y.index_select(0, indices));
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
}
