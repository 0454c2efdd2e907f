namespace Winnow;

/// <summary>Creates a selection policy. Export with <see cref="WinnowPluginAttribute"/>.
/// <see cref="PolicyPlugin{TOptions}"/> implements it with the options cast and validated.</summary>
public interface IPolicyPlugin : IPlugin
{
    /// <summary>Creates the policy for one run.</summary>
    /// <param name="options">An instance of <see cref="IPlugin.OptionsType"/>, bound and validated.</param>
    /// <param name="context">The run's size and seed.</param>
    ISelectionPolicy Create(object options, PolicyContext context);
}

/// <summary>The run a policy selects for: <paramref name="SampleCount"/> training samples (N),
/// <paramref name="Epochs"/> epochs (E), the run's seed, and each training sample's class label.</summary>
public sealed record PolicyContext(int SampleCount, int Epochs, int Seed)
{
    /// <summary>Class label of each training sample (length N), for policies that balance classes; empty when unknown.</summary>
    public IReadOnlyList<int> Labels { get; init; } = [];
}

/// <summary>Chooses which training samples each epoch uses.</summary>
/// <remarks>A plan must be a deterministic function of the run's seed, the epoch, the score board and the policy's
/// own state: draw randomness only from <see cref="EpochContext.Random"/>. That keeps runs reproducible and resumable.</remarks>
public interface ISelectionPolicy
{
    /// <summary>The plan for one epoch, called before the epoch trains.</summary>
    EpochPlan Plan(EpochContext context);

    /// <summary>What the policy needs from the engine; read once, before training.</summary>
    PolicyNeeds Needs => PolicyNeeds.Default;

    /// <summary>The keep fraction the policy was configured with (1 for full data), reported next to the effective one.</summary>
    double NominalKeepFraction => 1.0;
}

/// <summary>What a policy needs from the engine.</summary>
/// <param name="Scorer">The scorer whose values the policy ranks by (for example <c>margin</c>), or null when any will do.
/// When <c>Run:Scorer:Name</c> is left empty the engine uses this one; a different explicit choice is refused.</param>
/// <param name="EmaRate">The rate <c>a</c> of the score board's exponential moving averages, in (0, 1].</param>
/// <param name="Proxy">A parameter-sharing proxy to train jointly with the model (DynaMS's PSP), or null.</param>
public sealed record PolicyNeeds(string? Scorer = null, double EmaRate = 0.8, ProxyNeeds? Proxy = null)
{
    /// <summary>Any scorer, EMA rate 0.8, no proxy.</summary>
    public static PolicyNeeds Default { get; } = new();
}

/// <summary>A width-sliced proxy of the model: the first <paramref name="Width"/> fraction of every layer's units, its own head,
/// trained jointly with loss <c>L(model) + LossWeight × L(proxy)</c> on every batch.</summary>
public sealed record ProxyNeeds(double Width = 0.25, double LossWeight = 1.0);

/// <summary>What a policy knows when it plans an epoch, and the one thing it may ask of the engine: a refresh pass.</summary>
public sealed class EpochContext
{
    private readonly Action<int[]?, bool>? _refresh;

    /// <param name="epoch">Zero-based epoch about to train.</param>
    /// <param name="scores">Read-only per-sample values recorded so far.</param>
    /// <param name="random">A generator seeded from the run's seed and this epoch.</param>
    /// <param name="refresh">The engine's refresh pass; null where none is available (a refresh then throws).</param>
    public EpochContext(int epoch, IScoreView scores, Random random, Action<int[]?, bool>? refresh = null)
    {
        Epoch = epoch;
        Scores = scores;
        Random = random;
        _refresh = refresh;
    }

    /// <summary>Zero-based epoch about to train.</summary>
    public int Epoch { get; }

    /// <summary>Read-only per-sample values recorded so far.</summary>
    public IScoreView Scores { get; }

    /// <summary>A generator seeded from the run's seed and this epoch: the policy's only source of randomness.</summary>
    public Random Random { get; }

    /// <summary>Runs a no-grad forward pass over <paramref name="indices"/> (null: all N) with the current model and records
    /// the scorer's values on the board before returning. Its time counts as scoring time.</summary>
    /// <param name="throughProxy">Run the pass through the parameter-sharing proxy (about w² of the cost) when the model has one;
    /// a model without one falls back to the full model.</param>
    public void Refresh(int[]? indices = null, bool throughProxy = false)
    {
        if (_refresh is null) throw new InvalidOperationException("no refresh pass is available in this context");
        _refresh(indices, throughProxy);
    }
}

/// <summary>The samples one epoch trains on. The engine shuffles them into mini-batches.</summary>
/// <param name="Indices">Distinct indices into the training split, each in <c>[0, N)</c>.</param>
/// <param name="Weights">Optional per-sample loss weights, parallel to <paramref name="Indices"/>, finite and ≥ 0;
/// null means every weight is 1. The step's loss is the mean of weight × per-sample loss.</param>
public sealed record EpochPlan(int[] Indices, float[]? Weights = null);

/// <summary>A read-only view of the score board: flat arrays indexed by training sample.</summary>
/// <remarks>Every observation of sample <c>i</c> with value <c>x</c> updates its exponential moving averages with rate <c>a</c>
/// (<see cref="PolicyNeeds.EmaRate"/>): <c>d = x − m; m += a·d; v = (1 − a)·(v + a·d²)</c>. The first observation sets
/// <c>m = x</c>, <c>v = 0</c>. A sample that is not trained keeps its stale values.</remarks>
public interface IScoreView
{
    /// <summary>N, the number of training samples.</summary>
    int Count { get; }

    /// <summary>Whether a higher value of the scorer means a harder (more informative) sample; false for <c>margin</c>.</summary>
    bool HigherIsHarder { get; }

    /// <summary>The latest value the scorer gave each sample (NaN until first observed).</summary>
    ReadOnlySpan<float> Latest { get; }

    /// <summary>The EMA mean of each sample's values (NaN until first observed).</summary>
    ReadOnlySpan<float> Mean { get; }

    /// <summary>The EMA variance of each sample's values (0 until observed twice).</summary>
    ReadOnlySpan<float> Variance { get; }

    /// <summary>How many times each sample has been observed by the scorer.</summary>
    ReadOnlySpan<int> TimesObserved { get; }

    /// <summary>The last epoch each sample was observed in (-1 for never).</summary>
    ReadOnlySpan<int> LastEpochObserved { get; }

    /// <summary>How many epochs each sample has been selected for.</summary>
    ReadOnlySpan<int> TimesSelected { get; }
}
