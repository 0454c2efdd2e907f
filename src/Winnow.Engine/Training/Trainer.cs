using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Runs;
using static TorchSharp.torch;

namespace Winnow.Engine.Training;

/// <summary>The training stopped on a numerical fault; the message names the epoch and step.</summary>
public sealed class TrainingError(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The training loop: each epoch the policy plans (asking for refresh passes if it needs fresh scores), the engine
/// trains on the plan in shuffled mini-batches (per-sample losses, weighted mean, SGD; plus the proxy's loss when DynaMS's
/// parameter-sharing proxy is on), the scorer records per-sample values from that same forward pass, and the test split is evaluated.</summary>
public sealed class Trainer : IDisposable
{
    private const int StateVersion = 1;
    private readonly RunSettings _settings;
    private readonly ComposedRun _run;
    private readonly Device _device;
    private readonly ScoreBoard _board;
    private readonly Tensor _trainX;
    private readonly Tensor _trainY;
    private readonly Tensor _testX;
    private readonly Tensor _testY;
    private readonly TorchSharp.Modules.OptimizerHelper _optimizer;
    private readonly IReadOnlyList<TorchSharp.Modules.Parameter> _parameters;
    private long _forwarded;
    private long _proxyForwarded;
    private readonly Stopwatch _refreshing = new();

    /// <param name="run">Its model already on <paramref name="device"/>, its proxy (if any) already enabled.</param>
    public Trainer(RunSettings settings, ComposedRun run, Device device)
    {
        _settings = settings;
        _run = run;
        _device = device;
        _board = new ScoreBoard(run.Data.Train.Count, run.Needs.EmaRate, run.Scorer.HigherIsHarder);
        _trainX = run.Data.Train.Inputs.to(device);
        _trainY = run.Data.Train.Labels.to(device);
        _testX = run.Data.Test.Inputs.to(device);
        _testY = run.Data.Test.Labels.to(device);
        var parameters = run.Model.parameters().ToList();
        _parameters = parameters;
        _optimizer = settings.Optimizer == OptimizerChoice.AdamW
            ? optim.AdamW(parameters, settings.LearningRate, settings.Beta1, settings.Beta2, 1e-8, settings.WeightDecay, false, false)
            : optim.SGD(parameters, settings.LearningRate, settings.Momentum, 0, settings.WeightDecay, settings.Nesterov, false);
    }

    public ScoreBoard Scores => _board;

    /// <summary>Epochs finished so far (restored ones included): the next epoch to train, zero-based.</summary>
    public int CompletedEpochs { get; private set; }

    /// <summary>The learning rate at the start of a zero-based epoch.</summary>
    public static double LearningRate(RunSettings s, int epoch) => LearningRates.At(s, epoch);

    /// <summary>Trains from <see cref="CompletedEpochs"/> to the end (or to <see cref="RunSettings.StopAfterEpoch"/>), handing each
    /// finished epoch's metrics and plan to <paramref name="epochDone"/> before the next starts.</summary>
    public void Train(IRunObserver observer, Action<EpochMetrics, EpochPlan> epochDone, CancellationToken cancel = default)
    {
        var last = _settings.StopAfterEpoch > 0 ? Math.Min(_settings.StopAfterEpoch, _settings.Epochs) : _settings.Epochs;
        {
            for (var epoch = CompletedEpochs; epoch < last; epoch++)
            {
                cancel.ThrowIfCancellationRequested();
                var lr = LearningRate(_settings, epoch);
                _forwarded = 0;
                _proxyForwarded = 0;
                _refreshing.Reset();

                var selecting = Stopwatch.StartNew();
                var plan = Plan(epoch);
                selecting.Stop();

                observer.EpochStarted(epoch, _settings.Epochs, plan.Indices.Length, lr);
                var trained = TrainEpoch(epoch, plan, observer, cancel);

                var evaluating = Stopwatch.StartNew();
                var (testLoss, testAccuracy) = Evaluate(epoch);
                evaluating.Stop();
                // A finite training loss does not prove finite weights: one huge step can overflow them. The epoch is then lost,
                // and its checkpoint is never written, so the run keeps the last good one.
                if (!double.IsFinite(testLoss))
                    throw new TrainingError($"the test loss became {Format(testLoss)} after training epoch {epoch + 1} (training loss {Format(trained.Loss)}): " +
                                            "the model's weights or outputs are no longer finite; lower Run:LearningRate or check the data for extreme values");

                var refreshSeconds = _refreshing.Elapsed.TotalSeconds;
                var metrics = new EpochMetrics(epoch + 1, lr, plan.Indices.Length, _forwarded, _proxyForwarded, trained.Loss, testLoss, testAccuracy,
                    trained.TrainSeconds, trained.ScoringSeconds + refreshSeconds, selecting.Elapsed.TotalSeconds - refreshSeconds, evaluating.Elapsed.TotalSeconds,
                    trained.SkippedBatches, trained.SkippedSamples);
                CompletedEpochs = epoch + 1;
                observer.EpochCompleted(metrics, _settings.Epochs);
                epochDone(metrics, plan);
            }
        }
    }

    /// <summary>Writes everything a resumed run needs into <paramref name="folder"/>: model, optimiser, score board, the policy's and
    /// scorer's own state, and the global generator (dropout). Every other random choice derives from (seed, epoch).</summary>
    public void Save(string folder)
    {
        using (var s = Checkpoint.Create(folder, Checkpoint.ModelFile)) _run.Model.save(s);
        using (var s = Checkpoint.Create(folder, Checkpoint.OptimizerFile))
        using (var w = new BinaryWriter(s)) _optimizer.save_state_dict(w);
        using (var s = Checkpoint.Create(folder, Checkpoint.BoardFile))
        using (var w = new BinaryWriter(s))
        {
            w.Write(StateVersion);
            w.Write(CompletedEpochs);
            _board.Save(w);
        }
        SaveState(folder, Checkpoint.PolicyFile, _run.Policy as IRestorable);
        SaveState(folder, Checkpoint.ScorerFile, _run.Scorer as IRestorable);
        using (var s = Checkpoint.Create(folder, Checkpoint.RandomFile))
        using (var rng = torch.get_rng_state())
            s.Write(rng.data<byte>().ToArray());
    }

    /// <summary>Reads back what <see cref="Save"/> wrote; training then continues after the saved epoch.</summary>
    /// <exception cref="InvalidDataException">the checkpoint does not belong to this configuration.</exception>
    public void Restore(string folder)
    {
        _run.Model.load(Path.Combine(folder, Checkpoint.ModelFile));
        using (var r = new BinaryReader(File.OpenRead(Path.Combine(folder, Checkpoint.OptimizerFile)))) _optimizer.load_state_dict(r);
        using (var r = new BinaryReader(File.OpenRead(Path.Combine(folder, Checkpoint.BoardFile))))
        {
            var version = r.ReadInt32();
            if (version != StateVersion) throw new InvalidDataException($"{folder}: checkpoint format {version}, expected {StateVersion}");
            CompletedEpochs = r.ReadInt32();
            _board.Restore(r);
        }
        RestoreState(folder, Checkpoint.PolicyFile, _run.Policy as IRestorable, $"policy '{_run.PolicyName}'");
        RestoreState(folder, Checkpoint.ScorerFile, _run.Scorer as IRestorable, $"scorer '{_run.ScorerName}'");
        using var rng = torch.tensor(File.ReadAllBytes(Path.Combine(folder, Checkpoint.RandomFile)));
        torch.set_rng_state(rng);
    }

    private static void SaveState(string folder, string file, IRestorable? state)
    {
        if (state is null) return;
        using var s = Checkpoint.Create(folder, file);
        using var w = new BinaryWriter(s);
        state.Save(w);
    }

    private static void RestoreState(string folder, string file, IRestorable? state, string owner)
    {
        var path = Path.Combine(folder, file);
        if (state is null) return;
        if (!File.Exists(path)) throw new InvalidDataException($"{folder}: the checkpoint holds no state for {owner}, which keeps some");
        using var r = new BinaryReader(File.OpenRead(path));
        try
        {
            state.Restore(r);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: the saved state of {owner} is truncated", e);
        }
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _trainX.Dispose();
        _trainY.Dispose();
        _testX.Dispose();
        _testY.Dispose();
    }

    private EpochPlan Plan(int epoch)
    {
        EpochPlan plan;
        var context = new EpochContext(epoch, _board, Seeds.For(_settings.Seed, Seeds.Stream.Policy, epoch),
            (indices, throughProxy) => Refresh(epoch, indices, throughProxy));
        try
        {
            plan = _run.Policy.Plan(context);
        }
        catch (Exception e) when (e is not (TrainingError or PluginError or OperationCanceledException))
        {
            throw new PluginError($"policy plugin '{_run.PolicyName}' failed in Plan (epoch {epoch + 1}): {PluginCatalog.Describe(e)}", e);
        }
        PlanCheck.Validate(plan, _board.Count, _run.PolicyName, epoch);
        _board.CountSelected(plan.Indices);
        return plan;
    }

    /// <summary>A no-grad forward pass over some or all training samples that records the scorer's values: what a policy asks for
    /// when it needs fresh scores. Timed as scoring.</summary>
    private void Refresh(int epoch, int[]? indices, bool throughProxy)
    {
        _refreshing.Start();
        var model = _run.Model;
        var proxy = throughProxy && _run.ProxyEnabled;
        var n = _board.Count;
        var order = indices is null ? new long[n] : new long[indices.Length];
        for (var i = 0; i < order.Length; i++)
        {
            var s = indices is null ? i : indices[i];
            if ((uint)s >= (uint)n) throw new PluginError($"policy '{_run.PolicyName}' asked to refresh sample {s}, outside [0, {n})");
            order[i] = s;
        }
        model.eval();
        try
        {
            // Inference mode, not just no_grad: nothing from this pass is ever part of a graph, and it is measurably faster.
            using var _ = torch.inference_mode();
            for (var start = 0; start < order.Length; start += _settings.EvalBatchSize)
            {
                using var scope = torch.NewDisposeScope();
                var length = Math.Min(_settings.EvalBatchSize, order.Length - start);
                var batch = torch.tensor(order.AsSpan(start, length).ToArray(), device: _device);
                var x = _trainX.index_select(0, batch);
                var y = _trainY.index_select(0, batch);
                var output = Forward(x, proxy, epoch, "a refresh pass");
                var losses = nn.functional.cross_entropy(output.Logits, y, reduction: nn.Reduction.None);
                Score(epoch, order.AsSpan(start, length), batch, output, y, losses);
                if (proxy) _proxyForwarded += length;
                else _forwarded += length;
            }
        }
        finally
        {
            model.train();
            _refreshing.Stop();
        }
    }

    private readonly record struct EpochTraining(double Loss, double TrainSeconds, double ScoringSeconds, int SkippedBatches, int SkippedSamples);

    private EpochTraining TrainEpoch(int epoch, EpochPlan plan, IRunObserver observer, CancellationToken cancel)
    {
        var (order, weights) = Shuffle(plan, epoch);
        using var orderOnDevice = torch.tensor(order, device: _device);
        using var weightsOnDevice = weights is null ? null : torch.tensor(weights, device: _device);
        var augmentation = _run.Data.Augmentation;
        using var augmentRandom = augmentation is null ? null : new torch.Generator((ulong)Seeds.Derive(_settings.Seed, Seeds.Stream.Augment, epoch));

        var model = _run.Model;
        var proxyWeight = _run.ProxyEnabled ? _run.Needs.Proxy!.LossWeight : 0;
        model.train();
        var batch = _settings.BatchSize;
        var steps = (order.Length + batch - 1) / batch;
        double lossSum = 0;
        var skip = _settings.NonFiniteLoss == NonFiniteLossChoice.Skip;
        int skippedBatches = 0, skippedSamples = 0;
        var scoring = new Stopwatch();
        var total = Stopwatch.StartNew();
        for (var step = 0; step < steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var start = step * batch;
            var length = Math.Min(batch, order.Length - start);
            var indices = orderOnDevice.narrow(0, start, length);
            var w = weightsOnDevice?.narrow(0, start, length);
            var x = _trainX.index_select(0, indices);
            var y = _trainY.index_select(0, indices);
            if (augmentation is not null) x = Augment(augmentation, x, augmentRandom!);
            var lr = LearningRates.At(_settings, epoch + (double)step / steps);
            foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;

            var output = Forward(x, false, epoch, "training");
            var losses = nn.functional.cross_entropy(output.Logits, y, reduction: nn.Reduction.None, label_smoothing: _settings.LabelSmoothing);
            var modelLoss = WeightedMean(losses, w);
            var loss = modelLoss;
            if (_run.ProxyEnabled)
            {
                // DynaMS's joint training: L(model) + lambda * L(proxy) on the same batch keeps the proxy faithful to the model.
                var proxyLosses = nn.functional.cross_entropy(Forward(x, true, epoch, "training").Logits, y, reduction: nn.Reduction.None, label_smoothing: _settings.LabelSmoothing);
                loss = modelLoss + proxyWeight * WeightedMean(proxyLosses, w);
            }
            _forwarded += length;
            // Judged before the backward pass, so a bad batch never reaches the weights, whichever way it is handled.
            var value = loss.item<float>();
            string? fault = float.IsFinite(value) ? null : $"the training loss became {Format(value)}";
            if (fault is null)
            {
                _optimizer.zero_grad();
                loss.backward();
                // Only when skipping: a finite loss can still give an overflowing gradient, which one step would spread to every weight.
                if (skip && !AllFinite(_parameters.Select(p => p.grad))) fault = $"the gradients became non-finite (training loss {Format(value)})";
            }
            if (fault is not null)
            {
                if (!skip)
                    throw new TrainingError($"{fault} in epoch {epoch + 1}, step {step + 1} of {steps}; lower Run:LearningRate or check the data " +
                                            "for extreme values (or set Run:NonFiniteLoss=skip to skip such batches)");
                skippedBatches++;
                skippedSamples += length;
                observer.BatchSkipped(epoch, step + 1, steps, fault);
                continue;
            }
            _optimizer.step();
            // Skipping a batch helps against a bad batch, not against divergence: a step whose loss and gradients were finite but
            // whose update overflowed the weights leaves nothing to skip to, and is said so at once rather than as NaNs later.
            if (skip && !AllFinite(_parameters))
                throw new TrainingError($"the weights became non-finite in epoch {epoch + 1}, step {step + 1} of {steps}, after a step whose loss " +
                                        $"({Format(value)}) and gradients were finite: the training diverges, which skipping batches cannot mend; lower Run:LearningRate");

            var reported = _run.ProxyEnabled ? modelLoss.item<float>() : value;
            lossSum += (double)reported * length;

            scoring.Start();
            Score(epoch, order.AsSpan(start, length), indices, output, y, losses);
            scoring.Stop();
            observer.StepCompleted(epoch, step + 1, steps, reported);
        }
        total.Stop();
        if (skippedBatches == steps)
            throw new TrainingError($"every one of the {steps} batches of epoch {epoch + 1} had a non-finite loss or gradient and was skipped: " +
                                    "the model or the data is broken beyond skipping; lower Run:LearningRate or check the data for extreme values");
        var trainedSamples = order.Length - skippedSamples;
        return new EpochTraining(lossSum / trainedSamples, total.Elapsed.TotalSeconds - scoring.Elapsed.TotalSeconds, scoring.Elapsed.TotalSeconds,
            skippedBatches, skippedSamples);
    }

    // One reduction over all the tensors, one synchronisation.
    private static bool AllFinite(IEnumerable<Tensor?> tensors)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var checks = tensors.Where(t => t is not null).Select(t => t!.isfinite().all()).ToList();
        return checks.Count == 0 || torch.stack(checks).all().item<bool>();
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+infinity" : double.IsNegativeInfinity(value) ? "-infinity"
            : value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    private static Tensor WeightedMean(Tensor losses, Tensor? weights) => weights is null ? losses.mean() : (losses * weights).mean();

    private Tensor Augment(IAugmentation augmentation, Tensor x, torch.Generator random)
    {
        Tensor result;
        try
        {
            result = augmentation.Apply(x, random);
        }
        catch (Exception e)
        {
            throw new PluginError($"dataset plugin '{_run.DatasetPlugin.Name}' failed in its augmentation: {PluginCatalog.Describe(e)}", e);
        }
        if (!result.shape.SequenceEqual(x.shape))
            throw new PluginError($"dataset plugin '{_run.DatasetPlugin.Name}': its augmentation returned shape [{string.Join(", ", result.shape)}] for a batch of shape [{string.Join(", ", x.shape)}]");
        return result;
    }

    private void Score(int epoch, ReadOnlySpan<long> batchIndices, Tensor indices, ClassifierOutput output, Tensor targets, Tensor losses)
    {
        float[] values;
        using (torch.no_grad())
        {
            Tensor scores;
            try
            {
                scores = _run.Scorer.Score(new BatchOutcome(indices, output.Logits.detach(), targets, losses.detach(), output.Features?.detach(), epoch));
            }
            catch (Exception e)
            {
                throw new PluginError($"scorer plugin '{_run.ScorerName}' failed in Score (epoch {epoch + 1}): {PluginCatalog.Describe(e)}", e);
            }
            if (scores.shape.Length != 1 || scores.shape[0] != batchIndices.Length)
                throw new PluginError($"scorer plugin '{_run.ScorerName}' returned shape [{string.Join(", ", scores.shape)}] for a batch of {batchIndices.Length}; expected [{batchIndices.Length}]");
            values = scores.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        }
        _board.Observe(batchIndices, values, epoch);
    }

    // The plan's order is shuffled on the CPU from the run's seed, so batches are reproducible on any device.
    private (long[] Order, float[]? Weights) Shuffle(EpochPlan plan, int epoch)
    {
        var random = Seeds.For(_settings.Seed, Seeds.Stream.Shuffle, epoch);
        var n = plan.Indices.Length;
        var position = new int[n];
        for (var i = 0; i < n; i++) position[i] = i;
        random.Shuffle(position);
        var order = new long[n];
        var weights = plan.Weights is null ? null : new float[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = plan.Indices[position[i]];
            if (weights is not null) weights[i] = plan.Weights![position[i]];
        }
        return (order, weights);
    }

    /// <summary>The model's forward pass (or its proxy's); a throw from the plugin's code ends the run naming the plugin, the pass
    /// and the epoch, instead of an unexplained stack trace.</summary>
    private ClassifierOutput Forward(Tensor x, bool proxy, int epoch, string pass)
    {
        try
        {
            return proxy ? ((IProxyModel)_run.Model).ForwardProxy(x) : _run.Model.call(x);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            var call = proxy ? "ForwardProxy" : "forward";
            throw PluginCatalog.Failure(_run.ModelPlugin.Entry, $"{call} during {pass} (epoch {epoch + 1}, a batch of shape [{string.Join(", ", x.shape)}])", e);
        }
    }

    private (double Loss, double Accuracy) Evaluate(int epoch)
    {
        var (testX, testY) = (_testX, _testY);
        var model = _run.Model;
        model.eval();
        using var _ = torch.inference_mode();
        var n = testY.shape[0];
        double lossSum = 0;
        long correct = 0;
        for (long start = 0; start < n; start += _settings.EvalBatchSize)
        {
            using var scope = torch.NewDisposeScope();
            var length = Math.Min(_settings.EvalBatchSize, n - start);
            var x = testX.narrow(0, start, length);
            var y = testY.narrow(0, start, length);
            var logits = Forward(x, false, epoch, "evaluation").Logits;
            lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / n, (double)correct / n);
    }
}
