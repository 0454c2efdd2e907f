using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Plugins;
using static TorchSharp.torch;

namespace Winnow.Engine.Training;

/// <summary>Turns forward passes into per-sample values on the score board: those training already made, and the refresh passes a
/// policy asks for. Counts what it forwarded and how long refreshing took, per epoch.</summary>
internal sealed class Scoring(ComposedRun run, Device device, DeviceSplit train, int batchSize, ModelCalls calls)
{
    private readonly Stopwatch _refreshing = new();

    public ScoreBoard Board { get; } = new(run.Data.Train.Count, run.Needs.EmaRate, run.Scorer.HigherIsHarder);

    /// <summary>Samples passed forward through the full model this epoch (training and refresh passes).</summary>
    public long Forwarded { get; private set; }

    /// <summary>Samples passed forward through the proxy this epoch.</summary>
    public long ProxyForwarded { get; private set; }

    public double RefreshSeconds => _refreshing.Elapsed.TotalSeconds;

    public void StartEpoch()
    {
        Forwarded = 0;
        ProxyForwarded = 0;
        _refreshing.Reset();
    }

    public void CountTrained(int samples) => Forwarded += samples;

    /// <summary>Records the scorer's values for a batch whose forward pass was already made.</summary>
    public void Record(int epoch, ReadOnlySpan<long> batchIndices, Tensor indices, ClassifierOutput output, Tensor targets, Tensor losses)
    {
        float[] values;
        using (no_grad())
        {
            Tensor scores;
            var call = $"Score (epoch {epoch + 1})";
            try
            {
                scores = run.Scorer.Score(new BatchOutcome(indices, output.Logits.detach(), targets, losses.detach(), output.Features?.detach(), epoch));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw PluginCatalog.Failure(run.ScorerPlugin.Entry, call, e);
            }
            if (scores.shape.Length != 1 || scores.shape[0] != batchIndices.Length)
                throw PluginCatalog.Broken(run.ScorerPlugin.Entry, call, $"returned shape [{string.Join(", ", scores.shape)}] for a batch of {batchIndices.Length}; expected [{batchIndices.Length}]");
            values = scores.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        }
        Board.Observe(batchIndices, values, epoch);
    }

    /// <summary>A no-grad forward pass over some or all training samples that records the scorer's values: what a policy asks for
    /// when it needs fresh scores. Timed as scoring.</summary>
    public void Refresh(int epoch, int[]? indices, bool throughProxy)
    {
        _refreshing.Start();
        var proxy = throughProxy && run.ProxyEnabled;
        var n = Board.Count;
        var order = indices is null ? new long[n] : new long[indices.Length];
        for (var i = 0; i < order.Length; i++)
        {
            var s = indices is null ? i : indices[i];
            if ((uint)s >= (uint)n)
                throw PluginCatalog.Broken(run.PolicyPlugin.Entry, $"Plan (epoch {epoch + 1})", $"asked to refresh sample {s}, outside [0, {n})");
            order[i] = s;
        }
        run.Model.eval();
        try
        {
            // Inference mode, not just no_grad: nothing from this pass is ever part of a graph, and it is measurably faster.
            using var _ = torch.inference_mode();
            for (var start = 0; start < order.Length; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(batchSize, order.Length - start);
                var batch = torch.tensor(order.AsSpan(start, length).ToArray(), device: device);
                var x = train.Gather(batch);
                var y = train.Labels.index_select(0, batch);
                var output = calls.Forward(x, proxy, epoch, "a refresh pass");
                var losses = nn.functional.cross_entropy(output.Logits, y, reduction: nn.Reduction.None);
                Record(epoch, order.AsSpan(start, length), batch, output, y, losses);
                if (proxy) ProxyForwarded += length;
                else Forwarded += length;
            }
        }
        finally
        {
            run.Model.train();
            _refreshing.Stop();
        }
    }
}

/// <summary>The model's forward pass and the dataset's augmentation, called so that a throw from the plugin's code ends the run
/// naming the plugin, its file, the pass and the epoch, instead of an unexplained stack trace.</summary>
internal sealed class ModelCalls(ComposedRun run)
{
    public ClassifierOutput Forward(Tensor x, bool proxy, int epoch, string pass)
    {
        try
        {
            return proxy ? ((IProxyModel)run.Model).ForwardProxy(x) : run.Model.call(x);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            var call = proxy ? "ForwardProxy" : "forward";
            throw PluginCatalog.Failure(run.ModelPlugin.Entry, $"{call} during {pass} (epoch {epoch + 1}, a batch of shape [{string.Join(", ", x.shape)}])", e);
        }
    }

    public Tensor Augment(IAugmentation augmentation, Tensor x, Generator random, int epoch)
    {
        var call = $"its augmentation (epoch {epoch + 1})";
        Tensor result;
        try
        {
            result = augmentation.Apply(x, random);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw PluginCatalog.Failure(run.DatasetPlugin.Entry, call, e);
        }
        if (!result.shape.SequenceEqual(x.shape))
            throw PluginCatalog.Broken(run.DatasetPlugin.Entry, call, $"returned shape [{string.Join(", ", result.shape)}] for a batch of shape [{string.Join(", ", x.shape)}]");
        return result;
    }
}

/// <summary>Test loss and accuracy of the current model on the test split, under inference mode.</summary>
internal sealed class Evaluation(ComposedRun run, DeviceSplit test, int batchSize, ModelCalls calls)
{
    public (double Loss, double Accuracy) Run(int epoch)
    {
        run.Model.eval();
        try
        {
            using var _ = torch.inference_mode();
            var n = test.Count;
            double lossSum = 0;
            long correct = 0;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(batchSize, n - start);
                var x = test.Slice(start, length);
                var y = test.Labels.narrow(0, start, length);
                var logits = calls.Forward(x, false, epoch, "evaluation").Logits;
                lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }
            return (lossSum / n, (double)correct / n);
        }
        finally
        {
            run.Model.train();
        }
    }
}
