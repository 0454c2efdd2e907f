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
public sealed class UcbPolicyPlugin : IPolicyPlugin
{
    public Type OptionsType => typeof(UcbOptions);

    public ISelectionPolicy Create(object options, PolicyContext context)
    {
        var o = PolicyArguments.Check<UcbOptions>("ucb", options, context);
        return new UcbPolicy(o, context);
    }

    private sealed class UcbPolicy(UcbOptions o, PolicyContext run) : ISelectionPolicy, IRestorable
    {
        private const string Name = "ucb";
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
            {
                var scores = context.Scores;
                var mean = scores.Mean;
                var variance = scores.Variance;
                var seen = scores.TimesObserved;
                var score = new float[_n];
                for (var i = 0; i < _n; i++)
                    score[i] = seen[i] == 0 ? float.PositiveInfinity : (float)(mean[i] + o.C * Math.Sqrt(Math.Max(0f, variance[i])));
                _selection = Selection.Largest(score, _k, context.Random);
            }
            return new EpochPlan((int[])PolicyArguments.Reused(Name, _selection, context.Epoch).Clone());
        }

        /// <summary>Version, name, N; the selection (K indices, or none before epoch Warmup).</summary>
        public void Save(BinaryWriter writer) => PolicyState.SaveSelection(writer, StateVersion, Name, _n, _selection);

        public void Restore(BinaryReader reader) => _selection = PolicyState.RestoreSelection(reader, StateVersion, Name, _n, _k);
    }
}
