using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using static TorchSharp.torch;

namespace Winnow.Engine.Training;

/// <summary>How a call of <see cref="Trainer.Train"/> ended.</summary>
public enum TrainingEnd
{
    /// <summary>Every configured epoch is done.</summary>
    Completed,

    /// <summary>Stopped after <c>Run:StopAfterEpoch</c>, to be resumed.</summary>
    Stopped,

    /// <summary>The test accuracy reached <c>Run:TargetAccuracy</c>.</summary>
    TargetReached,
}

/// <summary>The training loop: each epoch the policy plans (asking for refresh passes if it needs fresh scores), the engine trains on
/// the plan in shuffled mini-batches (per-sample losses, weighted mean, an optimizer step; plus the proxy's loss when DynaMS's
/// parameter-sharing proxy is on), the scorer records per-sample values from that same forward pass, and the test split is evaluated
/// when due. It knows no files: observers hear of every epoch, and state goes through the <see cref="ICheckpointStore"/> given.</summary>
public sealed partial class Trainer : ITrainingState, IDisposable
{
    private readonly RunSettings _settings;
    private readonly ComposedRun _run;
    private readonly Device _device;
    private readonly DeviceSplit _train;
    private readonly DeviceSplit _test;
    private readonly TorchSharp.Modules.OptimizerHelper _optimizer;
    private readonly IReadOnlyList<TorchSharp.Modules.Parameter> _parameters;
    private readonly ModelCalls _calls;
    private readonly Scoring _scoring;
    private readonly Evaluation _evaluation;

    /// <param name="run">Its model already on <paramref name="device"/>, its proxy (if any) already enabled.</param>
    public Trainer(RunSettings settings, ComposedRun run, Device device)
    {
        _settings = settings;
        _run = run;
        _device = device;
        _train = new DeviceSplit(run.Data.Train, device);
        _test = new DeviceSplit(run.Data.Test, device);
        var parameters = run.Model.parameters().ToList();
        _parameters = parameters;
        _optimizer = settings.Optimizer == OptimizerChoice.AdamW
            ? optim.AdamW(parameters, settings.LearningRate, settings.Beta1, settings.Beta2, 1e-8, settings.WeightDecay, false, false)
            : optim.SGD(parameters, settings.LearningRate, settings.Momentum, 0, settings.WeightDecay, settings.Nesterov, false);
        _calls = new ModelCalls(run);
        _scoring = new Scoring(run, device, _train, settings.EvalBatchSize, _calls);
        _evaluation = new Evaluation(run, _test, settings.EvalBatchSize, _calls);
    }

    public ScoreBoard Scores => _scoring.Board;

    /// <summary>Epochs finished so far (restored ones included): the next epoch to train, zero-based.</summary>
    public int CompletedEpochs { get; private set; }

    /// <summary>Whether epoch <paramref name="epoch"/> (zero-based) is evaluated: every <c>Run:EvalEvery</c>-th, and always the last.</summary>
    public static bool Evaluates(RunSettings s, int epoch) => (epoch + 1) % s.EvalEvery == 0 || epoch + 1 == s.Epochs;

    /// <summary>Trains from <see cref="CompletedEpochs"/> to the end, to <see cref="RunSettings.StopAfterEpoch"/>, or until the test
    /// accuracy reaches <see cref="RunSettings.TargetAccuracy"/>, telling <paramref name="observer"/> of every epoch before the next starts.</summary>
    /// <param name="elapsedBefore">Seconds the epochs before this session took (a resumed run's), so elapsed time counts on.</param>
    public TrainingEnd Train(IRunObserver observer, CancellationToken cancel = default, double elapsedBefore = 0)
    {
        var last = _settings.StopAfterEpoch > 0 ? Math.Min(_settings.StopAfterEpoch, _settings.Epochs) : _settings.Epochs;
        var clock = Stopwatch.StartNew();
        for (var epoch = CompletedEpochs; epoch < last; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            var (metrics, plan) = RunEpoch(epoch, observer, cancel, elapsedBefore, clock);
            CompletedEpochs = epoch + 1;
            observer.EpochCompleted(new EpochEnd(metrics, _settings.Epochs, plan, Scores, this));
            if (ReachedTarget(_settings, metrics)) return TrainingEnd.TargetReached;
        }
        return last < _settings.Epochs ? TrainingEnd.Stopped : TrainingEnd.Completed;
    }

    /// <summary>Whether an epoch's test accuracy reached the run's target (never, when the target is 0 or the epoch was not evaluated).</summary>
    public static bool ReachedTarget(RunSettings s, EpochMetrics m) => s.TargetAccuracy > 0 && m.TestAccuracy >= s.TargetAccuracy;

    private (EpochMetrics Metrics, EpochPlan Plan) RunEpoch(int epoch, IRunObserver observer, CancellationToken cancel, double elapsedBefore, Stopwatch clock)
    {
        var lr = LearningRates.At(_settings, epoch);
        _scoring.StartEpoch();

        var selecting = Stopwatch.StartNew();
        var plan = Plan(epoch);
        selecting.Stop();

        observer.EpochStarted(epoch, _settings.Epochs, plan.Indices.Length, lr);
        var trained = TrainEpoch(epoch, plan, observer, cancel);

        double? testLoss = null, testAccuracy = null;
        var evaluating = Stopwatch.StartNew();
        if (Evaluates(_settings, epoch))
        {
            var (loss, accuracy) = _evaluation.Run(epoch);
            // A finite training loss does not prove finite weights: one huge step can overflow them. The epoch is then lost,
            // and its checkpoint is never written, so the run keeps the last good one.
            if (!double.IsFinite(loss))
                throw new TrainingError($"the test loss became {Format(loss)} after training epoch {epoch + 1} (training loss {Format(trained.Loss)}): " +
                                        "the model's weights or outputs are no longer finite; lower Run:LearningRate or check the data for extreme values");
            (testLoss, testAccuracy) = (loss, accuracy);
        }
        evaluating.Stop();

        var refresh = _scoring.RefreshSeconds;
        var metrics = new EpochMetrics(epoch + 1, lr, plan.Indices.Length, _scoring.Forwarded, _scoring.ProxyForwarded, trained.Loss, testLoss, testAccuracy,
            trained.TrainSeconds, trained.ScoringSeconds + refresh, selecting.Elapsed.TotalSeconds - refresh, evaluating.Elapsed.TotalSeconds,
            trained.SkippedBatches, trained.SkippedSamples, elapsedBefore + clock.Elapsed.TotalSeconds);
        return (metrics, plan);
    }

    private EpochPlan Plan(int epoch)
    {
        EpochPlan plan;
        var context = new EpochContext(epoch, Scores, Seeds.For(_settings.Seed, Seeds.Stream.Policy, epoch),
            (indices, throughProxy) => _scoring.Refresh(epoch, indices, throughProxy));
        try
        {
            plan = _run.Policy.Plan(context);
        }
        catch (Exception e) when (e is not (Core.WinnowError or OperationCanceledException))
        {
            throw PluginCatalog.Failure(_run.PolicyPlugin.Entry, $"Plan (epoch {epoch + 1})", e);
        }
        PlanCheck.Validate(plan, Scores.Count, _run.PolicyName, epoch);
        Scores.CountSelected(plan.Indices);
        return plan;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _train.Dispose();
        _test.Dispose();
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+infinity" : double.IsNegativeInfinity(value) ? "-infinity"
            : value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}
