using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>ucb</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class UcbOptions : DynamicPruningOptions
{
    /// <summary>Weight c of the EMA standard deviation in the score h + c·sqrt(v), at least 0. Default 1.0.</summary>
    [Range(0.0, double.MaxValue, ErrorMessage = "C must be at least 0.")]
    public double C { get; set; } = 1.0;

    /// <summary>Rate a of the scorer's exponential moving averages, in (0, 1]. Default 0.8.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "EmaRate must be greater than 0 and at most 1.")]
    public double EmaRate { get; set; } = 0.8;

    /// <summary>The scorer plugin whose EMA mean m and variance v form the bound: any loaded one. The score is h + c·sqrt(v) with
    /// h = m when the scorer says higher is harder (loss) and h = −m when lower is harder (margin). Default loss (seed 1).</summary>
    [Required(ErrorMessage = ScorerOption.Required)]
    public string Scorer { get; set; } = "loss";
}

/// <summary>Seed 1's upper-confidence-bound policy: samples that are hard on average or vary a lot are kept. The option
/// <c>Scorer</c> names the scorer plugin ranked by (default loss: a high mean loss is hard); with a scorer where lower is harder,
/// such as margin, the bound is on −m, so a low mean margin is hard. The variance bonus counts either way.</summary>
[WinnowPlugin(PluginKind.Policy, "ucb",
    "Score = h + C*sqrt(v) over the EMA mean m and variance v of Scorer's values (default loss; h = m, or -m for a lower-is-harder scorer; rate EmaRate, never-seen = +inf); keep the K highest, ties at random.")]
public sealed class UcbPolicyPlugin : PolicyPlugin<UcbOptions>
{
    protected override ISelectionPolicy Create(UcbOptions options, PolicyContext context)
    {
        PolicyArguments.Check(Name, options, context);
        return new UcbPolicy(Name, options, context);
    }

    private sealed class UcbPolicy(string name, UcbOptions o, PolicyContext run) : SelectingPolicy(name, o, run)
    {
        public override PolicyNeeds Needs { get; } = new(Scorer: o.Scorer, EmaRate: o.EmaRate);

        protected override bool SelectsAt(int epoch) => (epoch - o.Warmup) % o.Interval == 0;

        protected override int[] Select(EpochContext context)
        {
            var scores = context.Scores;
            var mean = scores.Mean;
            var variance = scores.Variance;
            var seen = scores.TimesObserved;
            var higherIsHarder = scores.HigherIsHarder;
            var score = new float[N];
            for (var i = 0; i < N; i++)
                score[i] = seen[i] == 0 ? float.PositiveInfinity : (float)(Hardness.Of(mean[i], higherIsHarder) + o.C * Math.Sqrt(Math.Max(0f, variance[i])));
            return Selection.Largest(score, K, context.Random);
        }
    }
}
