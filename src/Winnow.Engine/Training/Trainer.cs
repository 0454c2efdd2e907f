using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Runs;
using static TorchSharp.torch;

namespace Winnow.Engine.Training;

/// <summary>The training stopped on a numerical fault; the message names the epoch and step.</summary>
public sealed class TrainingError(string message) : Exception(message);

/// <summary>The training loop: each epoch the policy plans, the engine trains on the plan in shuffled mini-batches
/// (per-sample losses, weighted mean, SGD), the scorer records per-sample values from that same forward pass,
/// and the test split is evaluated.</summary>
public sealed class Trainer
{
    private readonly RunSettings _settings;
    private readonly ComposedRun _run;
    private readonly Device _device;
    private readonly ScoreBoard _board;

    public Trainer(RunSettings settings, ComposedRun run, Device device)
    {
        _settings = settings;
        _run = run;
        _device = device;
        _board = new ScoreBoard(run.Data.Train.Count);
    }

    public IScoreView Scores => _board;

    /// <summary>The learning rate of a zero-based epoch: cosine from the peak to the minimum over the run, stepped per epoch
    /// (so a pruned run, with fewer steps per epoch, follows the same curve over epochs as a full one).</summary>
    public static double LearningRate(RunSettings s, int epoch) =>
        s.MinLearningRate + 0.5 * (s.LearningRate - s.MinLearningRate) * (1 + Math.Cos(Math.PI * epoch / s.Epochs));

    /// <summary>Trains every epoch, handing each finished epoch's metrics to <paramref name="epochDone"/> before the next starts.</summary>
    public void Train(IRunObserver observer, Action<EpochMetrics> epochDone, CancellationToken cancel = default)
    {
        var model = _run.Model;
        var train = _run.Data.Train;
        var test = _run.Data.Test;
        using var trainX = train.Inputs.to(_device);
        using var trainY = train.Labels.to(_device);
        using var testX = test.Inputs.to(_device);
        using var testY = test.Labels.to(_device);
        using var optimizer = optim.SGD(model.parameters(), _settings.LearningRate, momentum: _settings.Momentum,
            weight_decay: _settings.WeightDecay, nesterov: _settings.Nesterov);

        for (var epoch = 0; epoch < _settings.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            var lr = LearningRate(_settings, epoch);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

            var selecting = Stopwatch.StartNew();
            var plan = Plan(epoch);
            selecting.Stop();

            observer.EpochStarted(epoch, _settings.Epochs, plan.Indices.Length, lr);
            var (trainLoss, trainSeconds, scoringSeconds) = TrainEpoch(epoch, plan, optimizer, trainX, trainY, observer, cancel);

            var evaluating = Stopwatch.StartNew();
            var (testLoss, testAccuracy) = Evaluate(testX, testY);
            evaluating.Stop();

            var metrics = new EpochMetrics(epoch + 1, lr, plan.Indices.Length, trainLoss, testLoss, testAccuracy,
                trainSeconds, scoringSeconds, selecting.Elapsed.TotalSeconds, evaluating.Elapsed.TotalSeconds);
            observer.EpochCompleted(metrics, _settings.Epochs);
            epochDone(metrics);
        }
    }

    private EpochPlan Plan(int epoch)
    {
        EpochPlan plan;
        try
        {
            plan = _run.Policy.Plan(new EpochContext(epoch, _board, Seeds.For(_settings.Seed, Seeds.Stream.Policy, epoch)));
        }
        catch (Exception e)
        {
            throw new PluginError($"policy plugin '{_run.PolicyName}' failed in Plan (epoch {epoch + 1}): {PluginCatalog.Describe(e)}", e);
        }
        PlanCheck.Validate(plan, _board.Count, _run.PolicyName, epoch);
        _board.CountSelected(plan.Indices);
        return plan;
    }

    private (double Loss, double TrainSeconds, double ScoringSeconds) TrainEpoch(int epoch, EpochPlan plan, optim.Optimizer optimizer,
        Tensor trainX, Tensor trainY, IRunObserver observer, CancellationToken cancel)
    {
        var (order, weights) = Shuffle(plan, epoch);
        using var orderOnDevice = torch.tensor(order).to(_device);
        using var weightsOnDevice = weights is null ? null : torch.tensor(weights).to(_device);

        var model = _run.Model;
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
            var x = trainX.index_select(0, indices);
            var y = trainY.index_select(0, indices);

            var output = model.call(x);
            var losses = nn.functional.cross_entropy(output.Logits, y, reduction: nn.Reduction.None);
            var loss = weightsOnDevice is null ? losses.mean() : (losses * weightsOnDevice.narrow(0, start, length)).mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();

            var value = loss.item<float>();
            if (!float.IsFinite(value))
                throw new TrainingError($"the training loss became {value} in epoch {epoch + 1}, step {step + 1} of {steps}; " +
                                        "lower Run:LearningRate or check the data for extreme values");
            lossSum += (double)value * length;

            scoring.Start();
            Score(epoch, order.AsSpan(start, length), indices, output, y, losses);
            scoring.Stop();
            observer.StepCompleted(epoch, step + 1, steps, value);
        }
        total.Stop();
        return (lossSum / order.Length, total.Elapsed.TotalSeconds - scoring.Elapsed.TotalSeconds, scoring.Elapsed.TotalSeconds);
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

    private (double Loss, double Accuracy) Evaluate(Tensor testX, Tensor testY)
    {
        var model = _run.Model;
        model.eval();
        using var _ = torch.no_grad();
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
