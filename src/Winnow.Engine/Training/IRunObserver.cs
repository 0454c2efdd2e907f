namespace Winnow.Engine.Training;

/// <summary>Receives a run's progress: the host prints it, the run recorder writes it down. Called on the training thread.</summary>
public interface IRunObserver
{
    void EpochStarted(int epoch, int epochs, int samples, double learningRate) { }
    void StepCompleted(int epoch, int step, int steps, double loss) { }

    /// <summary>A batch was skipped for a non-finite loss or gradient (<c>Run:NonFiniteLoss=skip</c>); <paramref name="reason"/> says which.</summary>
    void BatchSkipped(int epoch, int step, int steps, string reason) { }

    /// <summary>An epoch ended (and was evaluated, when it was due). Training goes on only after every observer returned.</summary>
    void EpochCompleted(EpochEnd end) { }
}

/// <summary>What an observer learns when an epoch ends.</summary>
/// <param name="Epochs">The epochs the run is configured for.</param>
/// <param name="Plan">The plan the epoch trained on.</param>
/// <param name="Scores">The score board after the epoch.</param>
/// <param name="State">The trainer, to save a checkpoint from.</param>
public sealed record EpochEnd(EpochMetrics Metrics, int Epochs, EpochPlan Plan, IScoreView Scores, ITrainingState State);

/// <summary>Observers called in order, each for every event.</summary>
public sealed class RunObservers(params IRunObserver[] observers) : IRunObserver
{
    public void EpochStarted(int epoch, int epochs, int samples, double learningRate)
    {
        foreach (var o in observers) o.EpochStarted(epoch, epochs, samples, learningRate);
    }

    public void StepCompleted(int epoch, int step, int steps, double loss)
    {
        foreach (var o in observers) o.StepCompleted(epoch, step, steps, loss);
    }

    public void BatchSkipped(int epoch, int step, int steps, string reason)
    {
        foreach (var o in observers) o.BatchSkipped(epoch, step, steps, reason);
    }

    public void EpochCompleted(EpochEnd end)
    {
        foreach (var o in observers) o.EpochCompleted(end);
    }
}
