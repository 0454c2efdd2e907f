using Winnow.Engine.Runs;

namespace Winnow.Engine.Training;

/// <summary>Receives a run's progress (the host prints it). Called on the training thread.</summary>
public interface IRunObserver
{
    void EpochStarted(int epoch, int epochs, int samples, double learningRate) { }
    void StepCompleted(int epoch, int step, int steps, double loss) { }
    void EpochCompleted(EpochMetrics metrics, int epochs) { }
    /// <summary>A batch was skipped for a non-finite loss or gradient (<c>Run:NonFiniteLoss=skip</c>); <paramref name="reason"/> says which.</summary>
    void BatchSkipped(int epoch, int step, int steps, string reason) { }
}
