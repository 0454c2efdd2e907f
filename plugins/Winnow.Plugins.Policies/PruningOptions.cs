using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>The option every pruning policy has (config section <c>Run:Policy:Options</c>).</summary>
public abstract class PruningOptions
{
    /// <summary>Fraction k of the training set a pruned epoch uses, in (0, 1]. Default 0.5.
    /// K = round(k·N) with halves rounded away from zero, and at least 1 (<see cref="Selection.KeepCount"/>).</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "KeepFraction must be greater than 0 and at most 1.")]
    public double KeepFraction { get; set; } = 0.5;
}

/// <summary>Pruning options with full-data epochs at both ends of the run.</summary>
public abstract class ScheduledPruningOptions : PruningOptions
{
    /// <summary>Full-data epochs at the start (epochs <c>e &lt; Warmup</c>), at least 0. Default 0.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "Warmup must be a whole number of epochs, at least 0.")]
    public int Warmup { get; set; }

    /// <summary>Full-data epochs at the end (epochs <c>e ≥ E − Anneal</c>), at least 0. Default 0.
    /// <c>Warmup + Anneal</c> must leave at least one pruned epoch.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "Anneal must be a whole number of epochs, at least 0.")]
    public int Anneal { get; set; }
}

/// <summary>Options of a policy that re-selects on a fixed period.</summary>
public abstract class DynamicPruningOptions : ScheduledPruningOptions
{
    /// <summary>Re-select every <c>Interval</c> epochs (counted from the end of the warm-up), reusing the previous
    /// selection in between; at least 1. Default 1 (a fresh selection every epoch).</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Interval must be a whole number of epochs, at least 1.")]
    public int Interval { get; set; } = 1;
}

/// <summary>Checks shared by every pruning plugin's <c>Create</c>.</summary>
internal static class PolicyArguments
{
    /// <summary>Checks the run context (the options arrive validated from <see cref="PolicyPlugin{TOptions}"/>); refuses a warm-up
    /// and anneal that leave no pruned epoch.</summary>
    /// <param name="extraFullEpochs">Full-data epochs the policy adds after the warm-up (static-score's scoring epochs),
    /// named by <paramref name="extraName"/> in the message.</param>
    public static void Check(string policy, PruningOptions options, PolicyContext context, int extraFullEpochs = 0, string? extraName = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(context.SampleCount, nameof(context.SampleCount));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(context.Epochs, nameof(context.Epochs));
        if (options is ScheduledPruningOptions s && (long)s.Warmup + extraFullEpochs + s.Anneal >= context.Epochs)
        {
            var sum = extraName is null ? $"Warmup ({s.Warmup}) + Anneal ({s.Anneal})" : $"Warmup ({s.Warmup}) + {extraName} ({extraFullEpochs}) + Anneal ({s.Anneal})";
            throw new ArgumentException($"{policy}: {sum} must be less than the run's {context.Epochs} epochs, or no epoch is ever pruned", nameof(options));
        }
    }

    /// <summary>Refuses a score board of another size than the policy was created for.</summary>
    public static void CheckBoard(string policy, EpochContext context, int sampleCount)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Scores.Count != sampleCount)
            throw new InvalidOperationException($"{policy} was created for {sampleCount} samples but the score board has {context.Scores.Count}");
    }

    /// <summary>The selection a pruned epoch between selection points reuses.</summary>
    /// <exception cref="InvalidOperationException">There is none: the policy never planned its last selection point, which
    /// happens only when a run resumed from a checkpoint did not restore the policy's state.</exception>
    public static int[] Reused(string policy, int[]? selection, int epoch) =>
        selection ?? throw new InvalidOperationException(
            $"{policy} has no selection to reuse at epoch {epoch}: it selects only at its selection epochs, so a run resumed from a checkpoint must restore the policy's state (IRestorable.Restore) before it plans");
}

/// <summary>Which epochs of a run are full-data epochs: the first <c>warmup</c> and the last <c>anneal</c>.</summary>
internal readonly record struct Phases(int Warmup, int Anneal, int Epochs)
{
    public Phases(ScheduledPruningOptions o, PolicyContext c) : this(o.Warmup, o.Anneal, c.Epochs) { }

    /// <summary>Whether <paramref name="epoch"/> trains on all N with weight 1.</summary>
    public bool IsFullData(int epoch) => epoch < Warmup || (Anneal > 0 && epoch >= Epochs - Anneal);
}

/// <summary>What the <c>Scorer</c> option of the ranking policies (epsilon-greedy, ucb, static-score, dynams, infobatch) shares.</summary>
/// <remarks>Each declares the option itself: they derive from three different option bases that random-dynamic and static-random
/// share too, and each has its own default and its own sentence on what the scorer's values do to its maths.</remarks>
internal static class ScorerOption
{
    /// <summary>The message for an empty name. Only the engine knows which scorer plugins are loaded, so it refuses an unknown one.</summary>
    public const string Required = "Scorer must name a scorer plugin.";
}
