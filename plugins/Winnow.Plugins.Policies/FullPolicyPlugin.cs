namespace Winnow.Plugins.Policies;

/// <summary>The baseline every pruning policy is measured against: no pruning at all.</summary>
[WinnowPlugin(PluginKind.Policy, "full", "Every training sample every epoch (the full-data baseline).")]
public sealed class FullPolicyPlugin : PolicyPlugin<NoOptions>
{
    protected override ISelectionPolicy Create(NoOptions options, PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(context.SampleCount, nameof(context.SampleCount));
        return new FullPolicy(context.SampleCount);
    }

    private sealed class FullPolicy(int sampleCount) : ISelectionPolicy
    {
        // A fresh array per epoch: a returned plan belongs to the caller. The engine only reads it (it shuffles a copy),
        // but a test or another host may change it, and that must not reach the next epoch's plan.
        public EpochPlan Plan(EpochContext context) => new(Enumerable.Range(0, sampleCount).ToArray());
    }
}
