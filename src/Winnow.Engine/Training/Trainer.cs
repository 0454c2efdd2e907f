using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Runs;
using static TorchSharp.torch;

namespace Winnow.Engine.Training;

/// <summary>The training stopped on a numerical fault; the message names the epoch and step.</summary>
public sealed class TrainingError(string message) : Exception(message);

/// <summary>The training loop: each epoch the policy plans (asking for refresh passes if it needs fresh scores), the engine
/// trains on the plan in shuffled mini-batches (per-sample losses, weighted mean, SGD; plus the proxy's loss when DynaMS's
/// parameter-sharing proxy is on), the scorer records per-sample values from that same forward pass, and the test split is evaluated.</summary>
public sealed class Trainer
{
    private readonly RunSettings _settings;
    private readonly ComposedRun _run;
    private readonly Device _device;
    private readonly ScoreBoard _board;
    private Tensor? _trainX;
    private Tensor? _trainY;
    private long _forwarded;
    private long _proxyForwarded;
    private readonly Stopwatch _refreshing = new();

    public Trainer(RunSettings settings, ComposedRun run, Device device)
    {
        _settings = settings;
        _run = run;
        _device = device;
        _board = new ScoreBoard(run.Data.Train.Count, run.Needs.EmaRate, run.Scorer.HigherIsHarder);
    }

    public ScoreBoard Scores => _board;

    /// <summary>The learning rate of a zero-based epoch: cosine from the peak to the minimum over the run, stepped per epoch
    /// (so a pruned run, with fewer steps per epoch, follows the same curve over epochs as a full one).</summary>
    public static double LearningRate(RunSettings s, int epoch) =>
        s.MinLearningRate + 0.5 * (s.LearningRate - s.MinLearningRate) * (1 + Math.Cos(Math.PI * epoch / s.Epochs));

    /// <summary>Trains every epoch, handing each finished epoch's metrics and plan to <paramref name="epochDone"/> before the next starts.</summary>
    public void Train(IRunObserver observer, Action<EpochMetrics, EpochPlan> epochDone, CancellationToken cancel = default)
    {
        var model = _run.Model;
        using var trainX = _run.Data.Train.Inputs.to(_device);
        using var trainY = _run.Data.Train.Labels.to(_device);
        using var testX = _run.Data.Test.Inputs.to(_device);
        using var testY = _run.Data.Test.Labels.to(_device);
        (_trainX, _trainY) = (trainX, trainY);
        using var optimizer = optim.SGD(model.parameters(), _settings.LearningRate, momentum: _settings.Momentum,
            weight_decay: _settings.WeightDecay, nesterov: _settings.Nesterov);
        try
        {
            for (var epoch = 0; epoch < _settings.Epochs; epoch++)
            {
                cancel.ThrowIfCancellationRequested();
                var lr = LearningRate(_settings, epoch);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
                _forwarded = 0;
                _proxyForwarded = 0;
                _refreshing.Reset();

                var selecting = Stopwatch.StartNew();
                var plan = Plan(epoch);
                selecting.Stop();

                observer.EpochStarted(epoch, _settings.Epochs, plan.Indices.Length, lr);
                var (trainLoss, trainSeconds, stepScoringSeconds) = TrainEpoch(epoch, plan, optimizer, observer, cancel);

                var evaluating = Stopwatch.StartNew();
                var (testLoss, testAccuracy) = Evaluate(testX, testY);
                evaluating.Stop();

                var refreshSeconds = _refreshing.Elapsed.TotalSeconds;
                var metrics = new EpochMetrics(epoch + 1, lr, plan.Indices.Length, _forwarded, _proxyForwarded, trainLoss, testLoss, testAccuracy,
                    trainSeconds, stepScoringSeconds + refreshSeconds, selecting.Elapsed.TotalSeconds - refreshSeconds, evaluating.Elapsed.TotalSeconds);
                observer.EpochCompleted(metrics, _settings.Epochs);
                epochDone(metrics, plan);
            }
        }
        finally
        {
            (_trainX, _trainY) = (null, null);
        }
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
                var batch = torch.tensor(order.AsSpan(start, length).ToArray()).to(_device);
                var x = _trainX!.index_select(0, batch);
                var y = _trainY!.index_select(0, batch);
                var output = proxy ? model.ForwardProxy(x) : model.call(x);
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

    private (double Loss, double TrainSeconds, double ScoringSeconds) TrainEpoch(int epoch, EpochPlan plan, optim.Optimizer optimizer,
        IRunObserver observer, CancellationToken cancel)
    {
        var (order, weights) = Shuffle(plan, epoch);
        using var orderOnDevice = torch.tensor(order).to(_device);
        using var weightsOnDevice = weights is null ? null : torch.tensor(weights).to(_device);

        var model = _run.Model;
        var proxyWeight = _run.ProxyEnabled ? _run.Needs.Proxy!.LossWeight : 0;
        model.train();
        var batch = _settings.BatchSize;
        var steps = (order.Length + batch - 1) / batch;
        double lossSum = 0;
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
            var x = _trainX!.index_select(0, indices);
            var y = _trainY!.index_select(0, indices);

            var output = model.call(x);
            var losses = nn.functional.cross_entropy(output.Logits, y, reduction: nn.Reduction.None);
            var modelLoss = WeightedMean(losses, w);
            var loss = modelLoss;
            if (_run.ProxyEnabled)
            {
                // DynaMS's joint training: L(model) + lambda * L(proxy) on the same batch keeps the proxy faithful to the model.
                var proxyLosses = nn.functional.cross_entropy(model.ForwardProxy(x).Logits, y, reduction: nn.Reduction.None);
                loss = modelLoss + proxyWeight * WeightedMean(proxyLosses, w);
            }
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();

            var value = loss.item<float>();
            if (!float.IsFinite(value))
                throw new TrainingError($"the training loss became {value} in epoch {epoch + 1}, step {step + 1} of {steps}; " +
                                        "lower Run:LearningRate or check the data for extreme values");
            var reported = _run.ProxyEnabled ? modelLoss.item<float>() : value;
            lossSum += (double)reported * length;
            _forwarded += length;

            scoring.Start();
            Score(epoch, order.AsSpan(start, length), indices, output, y, losses);
            scoring.Stop();
            observer.StepCompleted(epoch, step + 1, steps, reported);
        }
        total.Stop();
        return (lossSum / order.Length, total.Elapsed.TotalSeconds - scoring.Elapsed.TotalSeconds, scoring.Elapsed.TotalSeconds);
    }

    private static Tensor WeightedMean(Tensor losses, Tensor? weights) => weights is null ? losses.mean() : (losses * weights).mean();

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

    private (double Loss, double Accuracy) Evaluate(Tensor testX, Tensor testY)
    {
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
            var logits = model.call(x).Logits;
            lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / n, (double)correct / n);
    }
}
