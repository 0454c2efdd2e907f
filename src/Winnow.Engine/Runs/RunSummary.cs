namespace Winnow.Engine.Runs;

/// <summary>How a run ended (written in summary.json as <c>completed</c>, <c>stopped</c> or <c>failed</c>).</summary>
public enum RunStatus
{
    /// <summary>Every configured epoch ran, or the target accuracy was reached.</summary>
    Completed,

    /// <summary>Stopped on purpose before the end (<c>Run:StopAfterEpoch</c>, Ctrl+C, a termination signal): <c>winnow resume</c> continues it.</summary>
    Stopped,

    /// <summary>Stopped by an error, which <see cref="RunSummary.Error"/> gives; the last committed checkpoint is kept.</summary>
    Failed,
}

/// <summary>What <c>summary.json</c> holds: how the run ended, what it reached and what it cost.</summary>
public sealed record RunSummary
{
    public required string RunId { get; init; }
    public required RunStatus Status { get; init; }
    public string? Error { get; init; }
    public required string Model { get; init; }
    public required string Dataset { get; init; }
    public required string Scorer { get; init; }
    public required string Policy { get; init; }
    public required string Device { get; init; }
    public required int Threads { get; init; }
    public required int Seed { get; init; }
    public required int EpochsPlanned { get; init; }
    public required int EpochsCompleted { get; init; }
    public required int TrainSamples { get; init; }
    public required int TestSamples { get; init; }
    /// <summary>The last evaluated epoch's test accuracy.</summary>
    public double? FinalTestAccuracy { get; init; }
    public double? BestTestAccuracy { get; init; }
    public int? BestEpoch { get; init; }
    public double? FinalTestLoss { get; init; }
    /// <summary>Samples back-propagated over all completed epochs.</summary>
    public required long SamplesTrained { get; init; }
    /// <summary>Samples passed forward through the full model: training plus refresh passes.</summary>
    public required long SamplesForwarded { get; init; }
    /// <summary>Samples passed forward through the parameter-sharing proxy in refresh passes (each about w² of a full forward).</summary>
    public required long ProxyForwarded { get; init; }
    /// <summary>The keep fraction the policy was configured with (1 for full data).</summary>
    public required double NominalKeepFraction { get; init; }
    /// <summary>Samples back-propagated / (N × epochs completed): what the policy really saved.</summary>
    public double? EffectiveKeepFraction { get; init; }
    /// <summary>Batches skipped for a non-finite loss or gradient over all completed epochs (<c>Run:NonFiniteLoss=skip</c>; 0 otherwise).</summary>
    public long SkippedBatches { get; init; }
    /// <summary>The samples in those batches.</summary>
    public long SkippedSamples { get; init; }
    public required double TrainSeconds { get; init; }
    public required double ScoringSeconds { get; init; }
    public required double SelectingSeconds { get; init; }
    public required double EvaluatingSeconds { get; init; }
    /// <summary>Wall-clock of the whole run, from composing the plugins to the last epoch's record.</summary>
    public required double WallSeconds { get; init; }
    /// <summary><c>Run:TargetAccuracy</c>, when one was set.</summary>
    public double? TargetAccuracy { get; init; }
    /// <summary>The first epoch whose test accuracy reached the target; null when it was not reached (or none was set).</summary>
    public int? TargetReachedEpoch { get; init; }
    /// <summary>Wall-clock from the start of training to the end of that epoch's evaluation (the epoch's elapsed seconds).</summary>
    public double? TargetReachedSeconds { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset EndedAt { get; init; }
}
