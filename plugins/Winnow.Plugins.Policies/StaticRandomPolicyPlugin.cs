namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>static-random</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class StaticRandomOptions : ScheduledPruningOptions;

/// <summary>The classic static baseline: one uniform subset, drawn once, trained on for the whole run.</summary>
[WinnowPlugin(PluginKind.Policy, "static-random",
    "K = round(KeepFraction*N) samples drawn uniformly once, at the first epoch after Warmup, and used every pruned epoch after.")]
public sealed class StaticRandomPolicyPlugin : IPolicyPlugin
{
    public Type OptionsType => typeof(StaticRandomOptions);

    public ISelectionPolicy Create(object options, PolicyContext context)
    {
        var o = PolicyArguments.Check<StaticRandomOptions>("static-random", options, context);
        return new StaticRandomPolicy(o, context);
    }

    private sealed class StaticRandomPolicy(StaticRandomOptions o, PolicyContext run) : ISelectionPolicy, IRestorable
    {
        private const string Name = "static-random";
        private const int StateVersion = 1;
        private readonly Phases _phases = new(o, run);
        private readonly int _k = Selection.KeepCount(o.KeepFraction, run.SampleCount);
        // The state a checkpoint saves: the draw, once made.
        private int[]? _selection;

        public double NominalKeepFraction => o.KeepFraction;

        public EpochPlan Plan(EpochContext context)
        {
            PolicyArguments.CheckBoard(Name, context, run.SampleCount);
            if (_phases.IsFullData(context.Epoch)) return Selection.Full(run.SampleCount);
            // Drawn from the generator of epoch Warmup, the first pruned epoch.
            if (context.Epoch == o.Warmup) _selection = Selection.Uniform(run.SampleCount, _k, context.Random);
            return new EpochPlan((int[])PolicyArguments.Reused(Name, _selection, context.Epoch).Clone());
        }

        /// <summary>Version, name, N; the selection (K indices, or none before epoch Warmup).</summary>
        public void Save(BinaryWriter writer) => PolicyState.SaveSelection(writer, StateVersion, Name, run.SampleCount, _selection);

        public void Restore(BinaryReader reader) =>
            _selection = PolicyState.RestoreSelection(reader, StateVersion, Name, run.SampleCount, _k);
    }
}
