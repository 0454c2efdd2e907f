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

    private sealed class StaticRandomPolicy(StaticRandomOptions o, PolicyContext run) : ISelectionPolicy
    {
        private readonly Phases _phases = new(o, run);
        private int[]? _selection;

        public double NominalKeepFraction => o.KeepFraction;

        public EpochPlan Plan(EpochContext context)
        {
            PolicyArguments.CheckBoard("static-random", context, run.SampleCount);
            if (_phases.IsFullData(context.Epoch)) return Selection.Full(run.SampleCount);
            // Drawn from the generator of the first pruned epoch this policy plans: epoch Warmup in an uninterrupted run.
            _selection ??= Selection.Uniform(run.SampleCount, Selection.KeepCount(o.KeepFraction, run.SampleCount), context.Random);
            return new EpochPlan((int[])_selection.Clone());
        }
    }
}
