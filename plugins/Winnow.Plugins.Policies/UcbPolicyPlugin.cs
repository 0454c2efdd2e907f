using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>ucb</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class UcbOptions : DynamicPruningOptions
{
    /// <summary>Weight c of the EMA standard deviation in the score m + c·sqrt(v), at least 0. Default 1.0.</summary>
    [Range(0.0, double.MaxValue, ErrorMessage = "C must be at least 0.")]
    public double C { get; set; } = 1.0;

    /// <summary>Rate a of the loss's exponential moving averages, in (0, 1]. Default 0.8.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "EmaRate must be greater than 0 and at most 1.")]
    public double EmaRate { get; set; } = 0.8;
}

/// <summary>Seed 1's upper-confidence-bound policy: samples whose loss is high on average or varies a lot are kept.</summary>
[WinnowPlugin(PluginKind.Policy, "ucb",
    "Score = m + C*sqrt(v) over the EMA mean and variance of the loss (rate EmaRate, never-seen = +inf); keep the K highest, ties at random.")]
public sealed class UcbPolicyPlugin : PolicyPlugin<UcbOptions>
{
    protected override ISelectionPolicy Create(UcbOptions options, PolicyContext context)
    {
        PolicyArguments.Check(Name, options, context);
        return new UcbPolicy(Name, options, context);
    }

    private sealed class UcbPolicy(string name, UcbOptions o, PolicyContext run) : SelectingPolicy(name, o, run)
    {
        public override PolicyNeeds Needs { get; } = new(Scorer: "loss", EmaRate: o.EmaRate);

        protected override bool SelectsAt(int epoch) => (epoch - o.Warmup) % o.Interval == 0;

        protected override int[] Select(EpochContext context)
        {
            var scores = context.Scores;
            var mean = scores.Mean;
            var variance = scores.Variance;
            var seen = scores.TimesObserved;
            var score = new float[N];
            for (var i = 0; i < N; i++)
                score[i] = seen[i] == 0 ? float.PositiveInfinity : (float)(mean[i] + o.C * Math.Sqrt(Math.Max(0f, variance[i])));
            return Selection.Largest(score, K, context.Random);
        }
    }
}
