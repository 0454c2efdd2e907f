namespace Winnow.Plugins.Policies;

/// <summary>The shape every pruning policy here shares: full data in warm-up and anneal epochs; in the others, a new selection
/// of K samples at the policy's selection epochs, reused until the next. Subclasses say when they select and what.</summary>
/// <remarks>The selection is the state a checkpoint saves, so a resumed run reuses exactly what the uninterrupted one would.
/// <c>name</c> is the plugin's (<see cref="Plugin{TOptions}.Name"/>): it names the policy in messages and in the saved state.</remarks>
internal abstract class SelectingPolicy(string name, ScheduledPruningOptions options, PolicyContext run) : ISelectionPolicy, IRestorable
{
    private const int StateVersion = 1;
    private readonly Phases _phases = new(options, run);

    protected string Name { get; } = name;
    protected int N { get; } = run.SampleCount;
    protected int K { get; } = Selection.KeepCount(options.KeepFraction, run.SampleCount);

    /// <summary>The selection reused until the next selection epoch; null before the first.</summary>
    protected int[]? Current { get; set; }

    public virtual PolicyNeeds Needs => PolicyNeeds.Default;

    public double NominalKeepFraction => options.KeepFraction;

    /// <summary>Whether this (pruned) epoch selects anew.</summary>
    protected abstract bool SelectsAt(int epoch);

    /// <summary>A new selection of K distinct samples, ascending.</summary>
    protected abstract int[] Select(EpochContext context);

    /// <summary>Full-data epochs: warm-up and anneal, and any the policy adds (static-score's scoring epochs).</summary>
    protected virtual bool IsFullData(int epoch) => _phases.IsFullData(epoch);

    public EpochPlan Plan(EpochContext context)
    {
        PolicyArguments.CheckBoard(Name, context, N);
        if (IsFullData(context.Epoch)) return Selection.Full(N);
        if (SelectsAt(context.Epoch)) Current = Select(context);
        return new EpochPlan((int[])PolicyArguments.Reused(Name, Current, context.Epoch).Clone());
    }

    /// <summary>Version, name, N; the selection (K indices, or none before the first selection).</summary>
    public virtual void Save(BinaryWriter writer) => PolicyState.SaveSelection(writer, StateVersion, Name, N, Current);

    public virtual void Restore(BinaryReader reader) => Current = PolicyState.RestoreSelection(reader, StateVersion, Name, N, K);
}
