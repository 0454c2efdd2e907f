using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>epsilon-greedy</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class EpsilonGreedyOptions : DynamicPruningOptions
{
    /// <summary>Share eps of K drawn uniformly from the samples not exploited, in [0, 1]. Default 0.3.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Epsilon must be between 0 and 1.")]
    public double Epsilon { get; set; } = 0.3;

    /// <summary>Rate a of the scorer's exponential moving average, in (0, 1]. Default 0.8.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "EmaRate must be greater than 0 and at most 1.")]
    public double EmaRate { get; set; } = 0.8;

    /// <summary>The scorer plugin whose EMA ranks the samples: any loaded one. The (1 − eps)·K hardest by it are exploited, the
    /// highest EMA when the scorer says higher is harder (loss), the lowest when lower is harder (margin). Default loss (seed 1).</summary>
    [Required(ErrorMessage = ScorerOption.Required)]
    public string Scorer { get; set; } = "loss";
}

/// <summary>Seed 1's epsilon-greedy bandit: exploit the samples with the hardest EMA score, explore uniformly among the rest.
/// The option <c>Scorer</c> names the scorer plugin ranked by (default loss: the highest EMA loss is exploited); with a scorer where
/// lower is harder, such as margin, the lowest EMA is exploited.</summary>
[WinnowPlugin(PluginKind.Policy, "epsilon-greedy",
    "Score = EMA of Scorer's values (default loss; rate EmaRate, never-seen = hardest); keep the round((1-Epsilon)*K) hardest (highest, or lowest for a lower-is-harder scorer; ties at random) and K minus that uniformly from the rest.")]
public sealed class EpsilonGreedyPolicyPlugin : PolicyPlugin<EpsilonGreedyOptions>
{
    protected override ISelectionPolicy Create(EpsilonGreedyOptions options, PolicyContext context)
    {
        PolicyArguments.Check(Name, options, context);
        return new EpsilonGreedyPolicy(Name, options, context);
    }

    /// <summary>How many of <paramref name="keepCount"/> are exploited: round((1 − eps)·K), halves away from zero, in decimal like K.</summary>
    public static int ExploitCount(double epsilon, int keepCount) =>
        (int)Math.Round((1m - (decimal)epsilon) * keepCount, MidpointRounding.AwayFromZero);

    private sealed class EpsilonGreedyPolicy(string name, EpsilonGreedyOptions o, PolicyContext run) : SelectingPolicy(name, o, run)
    {
        public override PolicyNeeds Needs { get; } = new(Scorer: o.Scorer, EmaRate: o.EmaRate);

        protected override bool SelectsAt(int epoch) => (epoch - o.Warmup) % o.Interval == 0;

        protected override int[] Select(EpochContext context)
        {
            var (scores, random) = (context.Scores, context.Random);
            var mean = scores.Mean;
            var seen = scores.TimesObserved;
            var higherIsHarder = scores.HigherIsHarder;
            var score = new float[N];
            for (var i = 0; i < N; i++) score[i] = seen[i] == 0 ? float.PositiveInfinity : (float)Hardness.Of(mean[i], higherIsHarder);

            var exploit = Selection.Largest(score, ExploitCount(o.Epsilon, K), random);
            var taken = new bool[N];
            foreach (var s in exploit) taken[s] = true;
            var rest = new int[N - exploit.Length];
            for (int i = 0, r = 0; i < N; i++)
                if (!taken[i]) rest[r++] = i;
            var explore = K - exploit.Length;
            Selection.DrawToFront(rest, explore, random);

            return Selection.Ascending([.. exploit, .. rest.AsSpan(0, explore)], N);
        }
    }
}
