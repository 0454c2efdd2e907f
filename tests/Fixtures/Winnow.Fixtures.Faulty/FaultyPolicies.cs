using System.ComponentModel.DataAnnotations;

namespace Winnow.Fixtures;

/// <summary>A policy compiled against a contract version this host does not implement: exactly what a plugin built against a
/// later (or earlier) Winnow.Abstractions carries in its attribute. The host must refuse it by name.</summary>
[WinnowPlugin(PluginKind.Policy, "future-contract", "Test fixture: built against the next contract version.", ContractVersion = PluginContract.Version + 1)]
public sealed class FutureContractPolicyPlugin : PolicyPlugin<NoOptions>
{
    protected override ISelectionPolicy Create(NoOptions options, PolicyContext context) => new EveryOther(context.SampleCount);

    private sealed class EveryOther(int n) : ISelectionPolicy
    {
        public EpochPlan Plan(EpochContext context) => new(Enumerable.Range(0, n).Where(i => i % 2 == 0).ToArray());
    }
}

/// <summary>A plugin whose constructor throws.</summary>
[WinnowPlugin(PluginKind.Policy, "throws-in-constructor", "Test fixture: its constructor throws.")]
public sealed class ThrowsInConstructorPolicyPlugin : PolicyPlugin<NoOptions>
{
    public ThrowsInConstructorPolicyPlugin() => throw new InvalidOperationException("fixture: the constructor fails");

    protected override ISelectionPolicy Create(NoOptions options, PolicyContext context) => throw new NotSupportedException();
}

/// <summary>A plugin whose <c>OptionsType</c> throws.</summary>
/// <remarks>It implements <see cref="IPolicyPlugin"/> directly: a typed base's <c>OptionsType</c> cannot throw.</remarks>
[WinnowPlugin(PluginKind.Policy, "throws-in-options-type", "Test fixture: its OptionsType throws.")]
public sealed class ThrowsInOptionsTypePolicyPlugin : IPolicyPlugin
{
    public Type OptionsType => throw new InvalidOperationException("fixture: OptionsType fails");

    public ISelectionPolicy Create(object options, PolicyContext context) => throw new NotSupportedException();
}

/// <summary>A plugin whose <c>Create</c> throws.</summary>
[WinnowPlugin(PluginKind.Policy, "throws-in-create", "Test fixture: its Create throws.")]
public sealed class ThrowsInCreatePolicyPlugin : PolicyPlugin<NoOptions>
{
    protected override ISelectionPolicy Create(NoOptions options, PolicyContext context) => throw new InvalidOperationException("fixture: Create fails");
}

/// <summary>A policy that keeps state and whose <c>Save</c> throws from the second epoch's checkpoint on.</summary>
[WinnowPlugin(PluginKind.Policy, "throws-in-save", "Test fixture: its Save throws at the second checkpoint.")]
public sealed class ThrowsInSavePolicyPlugin : PolicyPlugin<NoOptions>
{
    protected override ISelectionPolicy Create(NoOptions options, PolicyContext context) => new Policy(context.SampleCount);

    private sealed class Policy(int n) : ISelectionPolicy, IRestorable
    {
        private int _plans;

        public EpochPlan Plan(EpochContext context)
        {
            _plans++;
            return new(Enumerable.Range(0, n / 2).ToArray());
        }

        public void Save(BinaryWriter writer)
        {
            if (_plans >= 2) throw new InvalidOperationException("fixture: Save fails at the second checkpoint");
            writer.Write(_plans);
        }

        public void Restore(BinaryReader reader) => _plans = reader.ReadInt32();
    }
}

/// <summary>What the <c>bad-plan</c> policy gets wrong.</summary>
public enum PlanFault
{
    /// <summary><c>Indices[5] = N</c>.</summary>
    OutOfRange,
    /// <summary><c>Indices[5] = -1</c>.</summary>
    Negative,
    /// <summary><c>Indices[7] = Indices[2] = 2</c>.</summary>
    Duplicate,
    /// <summary><c>Weights[3] = NaN</c>.</summary>
    NaNWeight,
    /// <summary><c>Weights[4] = -2</c>.</summary>
    NegativeWeight,
    /// <summary><c>Weights[6] = +∞</c>.</summary>
    InfiniteWeight,
    /// <summary>No index at all.</summary>
    Empty,
}

/// <summary>Options of the <c>bad-plan</c> policy.</summary>
public sealed class BadPlanOptions
{
    /// <summary>What the plan gets wrong.</summary>
    public PlanFault Fault { get; set; }

    /// <summary>The one-based epoch whose plan is bad; the epochs before train on the first half of the data.</summary>
    [Range(1, int.MaxValue)]
    public int AtEpoch { get; set; } = 2;
}

/// <summary>Trains on the first half of the data, then returns one bad plan: the engine must stop the run naming the policy
/// and the first bad value, and keep the checkpoints of the epochs before.</summary>
[WinnowPlugin(PluginKind.Policy, "bad-plan", "Test fixture: one plan that breaks a rule (Fault) at epoch AtEpoch.")]
public sealed class BadPlanPolicyPlugin : PolicyPlugin<BadPlanOptions>
{
    protected override ISelectionPolicy Create(BadPlanOptions options, PolicyContext context) => new Policy(options, context.SampleCount);

    private sealed class Policy(BadPlanOptions o, int n) : ISelectionPolicy
    {
        public EpochPlan Plan(EpochContext context)
        {
            var indices = Enumerable.Range(0, n / 2).ToArray();
            if (context.Epoch + 1 != o.AtEpoch) return new(indices);
            var weights = Enumerable.Repeat(1f, indices.Length).ToArray();
            switch (o.Fault)
            {
                case PlanFault.OutOfRange: indices[5] = n; break;
                case PlanFault.Negative: indices[5] = -1; break;
                case PlanFault.Duplicate: indices[7] = 2; break;
                case PlanFault.NaNWeight: weights[3] = float.NaN; break;
                case PlanFault.NegativeWeight: weights[4] = -2f; break;
                case PlanFault.InfiniteWeight: weights[6] = float.PositiveInfinity; break;
                case PlanFault.Empty: indices = []; weights = []; break;
            }
            return new(indices, weights);
        }
    }
}
