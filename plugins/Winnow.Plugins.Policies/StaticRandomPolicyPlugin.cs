namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>static-random</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class StaticRandomOptions : ScheduledPruningOptions;

/// <summary>The classic static baseline: one uniform subset, drawn once, trained on for the whole run.</summary>
[WinnowPlugin(PluginKind.Policy, "static-random",
    "K = round(KeepFraction*N) samples drawn uniformly once, at the first epoch after Warmup, and used every pruned epoch after.")]
public sealed class StaticRandomPolicyPlugin : PolicyPlugin<StaticRandomOptions>
{
    protected override ISelectionPolicy Create(StaticRandomOptions options, PolicyContext context)
    {
        PolicyArguments.Check(Name, options, context);
        return new StaticRandomPolicy(Name, options, context);
    }

    // Drawn once, from the generator of epoch Warmup, the first pruned epoch.
    private sealed class StaticRandomPolicy(string name, StaticRandomOptions o, PolicyContext run) : SelectingPolicy(name, o, run)
    {
        protected override bool SelectsAt(int epoch) => epoch == o.Warmup;

        protected override int[] Select(EpochContext context) => Selection.Uniform(N, K, context.Random);
    }
}
