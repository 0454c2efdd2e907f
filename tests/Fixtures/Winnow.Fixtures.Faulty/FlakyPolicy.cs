namespace Winnow.Fixtures;

/// <summary>Options of the <c>flaky</c> policy.</summary>
public sealed class FlakyOptions
{
    /// <summary>Fraction of the training set each epoch uses, in (0, 1].</summary>
    [System.ComponentModel.DataAnnotations.Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double KeepFraction { get; set; } = 0.5;
}

/// <summary>The K samples with the highest EMA loss (never-seen first, ties to the lower index). Compiled twice: with FAULTY
/// (Winnow.Fixtures.Faulty) its Plan throws at the third epoch, a bug that shows only mid-run; without (Winnow.Fixtures.Fixed) it
/// never does. Both plan identically up to the failure.</summary>
[WinnowPlugin(PluginKind.Policy, "flaky", "Test fixture: the K highest EMA losses; the faulty build throws in Plan at epoch 3.")]
public sealed class FlakyPolicyPlugin : PolicyPlugin<FlakyOptions>
{
    /// <summary>The zero-based epoch whose Plan fails in the faulty build.</summary>
    public const int FailingEpoch = 2;

    protected override ISelectionPolicy Create(FlakyOptions options, PolicyContext context) =>
        new FlakyPolicy(options.KeepFraction, context.SampleCount);

    private sealed class FlakyPolicy(double keepFraction, int sampleCount) : ISelectionPolicy
    {
        public PolicyNeeds Needs => new(Scorer: "loss");

        public double NominalKeepFraction => keepFraction;

        public EpochPlan Plan(EpochContext context)
        {
#if FAULTY
            if (context.Epoch == FailingEpoch) throw new InvalidOperationException("fixture: the flaky policy's bug shows at epoch 3");
#endif
            var k = Math.Max(1, (int)Math.Round(keepFraction * sampleCount));
            var mean = context.Scores.Mean.ToArray();
            return new EpochPlan(Enumerable.Range(0, sampleCount)
                .OrderByDescending(i => float.IsNaN(mean[i]) ? float.PositiveInfinity : mean[i])
                .ThenBy(i => i)
                .Take(k)
                .Order()
                .ToArray());
        }
    }
}
