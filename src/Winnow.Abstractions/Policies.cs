namespace Winnow;

/// <summary>Creates a selection policy. Export with <see cref="WinnowPluginAttribute"/>.</summary>
public interface IPolicyPlugin : IPlugin
{
    /// <summary>Creates the policy for one run.</summary>
    /// <param name="options">An instance of <see cref="IPlugin.OptionsType"/>, bound and validated.</param>
    /// <param name="context">The run's size and seed.</param>
    ISelectionPolicy Create(object options, PolicyContext context);
}

/// <summary>The run a policy selects for: <paramref name="SampleCount"/> training samples (N),
/// <paramref name="Epochs"/> epochs (E) and the run's seed.</summary>
public sealed record PolicyContext(int SampleCount, int Epochs, int Seed);

/// <summary>Chooses which training samples each epoch uses.</summary>
/// <remarks>A plan must be a deterministic function of the run's seed, the epoch and the score board:
/// draw randomness only from <see cref="EpochContext.Random"/>. That keeps runs reproducible and resumable.</remarks>
public interface ISelectionPolicy
{
    /// <summary>The plan for one epoch, called before the epoch trains.</summary>
    EpochPlan Plan(EpochContext context);
}

/// <summary>What a policy knows when it plans an epoch.</summary>
/// <param name="Epoch">Zero-based epoch about to train.</param>
/// <param name="Scores">Read-only per-sample values recorded so far.</param>
/// <param name="Random">A generator seeded from the run's seed and this epoch: the policy's only source of randomness.</param>
public sealed record EpochContext(int Epoch, IScoreView Scores, Random Random);

/// <summary>The samples one epoch trains on. The engine shuffles them into mini-batches.</summary>
/// <param name="Indices">Distinct indices into the training split, each in <c>[0, N)</c>.</param>
/// <param name="Weights">Optional per-sample loss weights, parallel to <paramref name="Indices"/>, finite and ≥ 0;
/// null means every weight is 1. The step's loss is the mean of weight × per-sample loss.</param>
public sealed record EpochPlan(int[] Indices, float[]? Weights = null);

/// <summary>A read-only view of the score board: flat arrays indexed by training sample.</summary>
public interface IScoreView
{
    /// <summary>N, the number of training samples.</summary>
    int Count { get; }

    /// <summary>The latest value the scorer gave each sample (NaN until first observed).</summary>
    ReadOnlySpan<float> Latest { get; }

    /// <summary>How many times each sample has been observed by the scorer.</summary>
    ReadOnlySpan<int> TimesObserved { get; }

    /// <summary>The last epoch each sample was observed in (-1 for never).</summary>
    ReadOnlySpan<int> LastEpochObserved { get; }

    /// <summary>How many epochs each sample has been selected for.</summary>
    ReadOnlySpan<int> TimesSelected { get; }
}
