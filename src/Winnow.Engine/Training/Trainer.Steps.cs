using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Configuration;
using static TorchSharp.torch;

namespace Winnow.Engine.Training;

// The steps of one epoch: shuffle the plan, and per mini-batch gather, augment, forward, weighted loss, judge it, backward, step, score.
public sealed partial class Trainer
{
    private readonly record struct EpochTraining(double Loss, double TrainSeconds, double ScoringSeconds, int SkippedBatches, int SkippedSamples);

    private EpochTraining TrainEpoch(int epoch, EpochPlan plan, IRunObserver observer, CancellationToken cancel)
    {
        var (order, weights) = Shuffle(plan, epoch);
        using var orderOnDevice = torch.tensor(order, device: _device);
        using var weightsOnDevice = weights is null ? null : torch.tensor(weights, device: _device);
        var augmentation = _run.Data.Augmentation;
        using var augmentRandom = augmentation is null ? null : new torch.Generator((ulong)Seeds.Derive(_settings.Seed, Seeds.Stream.Augment, epoch));

        _run.Model.train();
        var batch = _settings.BatchSize;
        var steps = (order.Length + batch - 1) / batch;
        double lossSum = 0;
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
            var x = _train.Gather(indices);
            var y = _train.Labels.index_select(0, indices);
            if (augmentation is not null) x = _calls.Augment(augmentation, x, augmentRandom!, epoch);
            foreach (var group in _optimizer.ParamGroups) group.LearningRate = LearningRates.At(_settings, epoch + (double)step / steps);

            var (output, losses, loss, reported) = Forward(x, y, weightsOnDevice?.narrow(0, start, length), epoch);
            _scoring.CountTrained(length);
            if (Fault(loss) is { } fault)
            {
                if (_settings.NonFiniteLoss != NonFiniteLossChoice.Skip)
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
            if (_settings.NonFiniteLoss == NonFiniteLossChoice.Skip && !AllFinite(_parameters))
                throw new TrainingError($"the weights became non-finite in epoch {epoch + 1}, step {step + 1} of {steps}, after a step whose loss " +
                                        $"({Format(reported)}) and gradients were finite: the training diverges, which skipping batches cannot mend; lower Run:LearningRate");
            lossSum += reported * length;

            scoring.Start();
            _scoring.Record(epoch, order.AsSpan(start, length), indices, output, y, losses);
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

    /// <summary>The batch's forward pass: per-sample losses, the step's loss (weighted mean; plus the proxy's when it trains jointly),
    /// and the model's own loss as reported.</summary>
    private (ClassifierOutput Output, Tensor Losses, Tensor Loss, double Reported) Forward(Tensor x, Tensor y, Tensor? weights, int epoch)
    {
        var output = _calls.Forward(x, false, epoch, "training");
        var losses = nn.functional.cross_entropy(output.Logits, y, reduction: nn.Reduction.None, label_smoothing: _settings.LabelSmoothing);
        var modelLoss = WeightedMean(losses, weights);
        if (!_run.ProxyEnabled) return (output, losses, modelLoss, modelLoss.item<float>());
        // DynaMS's joint training: L(model) + lambda * L(proxy) on the same batch keeps the proxy faithful to the model.
        var proxyLosses = nn.functional.cross_entropy(_calls.Forward(x, true, epoch, "training").Logits, y, reduction: nn.Reduction.None, label_smoothing: _settings.LabelSmoothing);
        var loss = modelLoss + _run.Needs.Proxy!.LossWeight * WeightedMean(proxyLosses, weights);
        return (output, losses, loss, modelLoss.item<float>());
    }

    /// <summary>What is wrong with the step, judged before the optimizer moves any weight: a non-finite loss (before the backward pass,
    /// so a bad batch never reaches the weights), or, when skipping, non-finite gradients. Null when the step may be taken; the
    /// gradients are then in place.</summary>
    private string? Fault(Tensor loss)
    {
        var value = loss.item<float>();
        if (!float.IsFinite(value)) return $"the training loss became {Format(value)}";
        _optimizer.zero_grad();
        loss.backward();
        // Only when skipping: a finite loss can still give an overflowing gradient, which one step would spread to every weight.
        if (_settings.NonFiniteLoss == NonFiniteLossChoice.Skip && !AllFinite(_parameters.Select(p => p.grad)))
            return $"the gradients became non-finite (training loss {Format(value)})";
        return null;
    }

    // One reduction over all the tensors, one synchronisation.
    private static bool AllFinite(IEnumerable<Tensor?> tensors)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var checks = tensors.Where(t => t is not null).Select(t => t!.isfinite().all()).ToList();
        return checks.Count == 0 || torch.stack(checks).all().item<bool>();
    }

    private static Tensor WeightedMean(Tensor losses, Tensor? weights) => weights is null ? losses.mean() : (losses * weights).mean();

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
}
