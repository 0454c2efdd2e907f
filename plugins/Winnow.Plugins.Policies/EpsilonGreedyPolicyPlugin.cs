using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>epsilon-greedy</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class EpsilonGreedyOptions : DynamicPruningOptions
{
    /// <summary>Share eps of K drawn uniformly from the samples not exploited, in [0, 1]. Default 0.3.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Epsilon must be between 0 and 1.")]
    public double Epsilon { get; set; } = 0.3;

    /// <summary>Rate a of the loss's exponential moving average, in (0, 1]. Default 0.8.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "EmaRate must be greater than 0 and at most 1.")]
    public double EmaRate { get; set; } = 0.8;
}

/// <summary>Seed 1's epsilon-greedy bandit: exploit the samples with the highest EMA loss, explore uniformly among the rest.</summary>
[WinnowPlugin(PluginKind.Policy, "epsilon-greedy",
    "Score = EMA of the loss (rate EmaRate, never-seen = +inf); keep the round((1-Epsilon)*K) highest (ties at random) and K minus that uniformly from the rest.")]
public sealed class EpsilonGreedyPolicyPlugin : IPolicyPlugin
{
    public Type OptionsType => typeof(EpsilonGreedyOptions);

    public ISelectionPolicy Create(object options, PolicyContext context)
    {
        var o = PolicyArguments.Check<EpsilonGreedyOptions>("epsilon-greedy", options, context);
        return new EpsilonGreedyPolicy(o, context);
    }

    /// <summary>How many of <paramref name="keepCount"/> are exploited: round((1 − eps)·K), halves away from zero, in decimal like K.</summary>
    public static int ExploitCount(double epsilon, int keepCount) =>
        (int)Math.Round((1m - (decimal)epsilon) * keepCount, MidpointRounding.AwayFromZero);

    private sealed class EpsilonGreedyPolicy(EpsilonGreedyOptions o, PolicyContext run) : ISelectionPolicy, IRestorable
    {
        private const string Name = "epsilon-greedy";
        private const int StateVersion = 1;
        private readonly int _n = run.SampleCount;
        private readonly int _k = Selection.KeepCount(o.KeepFraction, run.SampleCount);
        private readonly Phases _phases = new(o, run);
        // The state a checkpoint saves: the selection reused until the next selection epoch.
        private int[]? _selection;

        public PolicyNeeds Needs { get; } = new(Scorer: "loss", EmaRate: o.EmaRate);

        public double NominalKeepFraction => o.KeepFraction;

        public EpochPlan Plan(EpochContext context)
        {
            PolicyArguments.CheckBoard(Name, context, _n);
            if (_phases.IsFullData(context.Epoch)) return Selection.Full(_n);
            if ((context.Epoch - o.Warmup) % o.Interval == 0)
                _selection = Select(context.Scores, context.Random);
            return new EpochPlan((int[])PolicyArguments.Reused(Name, _selection, context.Epoch).Clone());
        }

        /// <summary>Version, name, N; the selection (K indices, or none before epoch Warmup).</summary>
        public void Save(BinaryWriter writer) => PolicyState.SaveSelection(writer, StateVersion, Name, _n, _selection);

        public void Restore(BinaryReader reader) => _selection = PolicyState.RestoreSelection(reader, StateVersion, Name, _n, _k);

        private int[] Select(IScoreView scores, Random random)
        {
            var mean = scores.Mean;
            var seen = scores.TimesObserved;
            var score = new float[_n];
            for (var i = 0; i < _n; i++) score[i] = seen[i] == 0 ? float.PositiveInfinity : mean[i];

            var exploit = Selection.Largest(score, ExploitCount(o.Epsilon, _k), random);
            var taken = new bool[_n];
            foreach (var s in exploit) taken[s] = true;
            var rest = new int[_n - exploit.Length];
            for (int i = 0, r = 0; i < _n; i++)
                if (!taken[i]) rest[r++] = i;
            var explore = _k - exploit.Length;
            Selection.DrawToFront(rest, explore, random);

            return Selection.Ascending([.. exploit, .. rest.AsSpan(0, explore)], _n);
        }
    }
}
