using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>static-score</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class StaticScoreOptions : ScheduledPruningOptions
{
    /// <summary>Full-data epochs S trained before scoring (after any <see cref="ScheduledPruningOptions.Warmup"/>), at least 0. Default 2.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "ScoringEpochs must be a whole number of epochs, at least 0.")]
    public int ScoringEpochs { get; set; } = 2;

    /// <summary>The scorer that ranks the samples: el2n, grand, forgetting, margin, loss or entropy. Default el2n.</summary>
    [Required(ErrorMessage = "Scorer must name a scorer.")]
    [AllowedValues("el2n", "grand", "forgetting", "margin", "loss", "entropy",
        ErrorMessage = "Scorer must be one of el2n, grand, forgetting, margin, loss, entropy.")]
    public string Scorer { get; set; } = "el2n";
}

/// <summary>The prior work seed 1 argues against: train S epochs on full data, score every sample once,
/// then keep the top-K hardest for the rest of training. The scoring epochs and the scoring pass count in wall-clock.</summary>
[WinnowPlugin(PluginKind.Policy, "static-score",
    "ScoringEpochs full-data epochs, one scoring pass over all N with Scorer (default el2n), then the K hardest (never-scored first, ties at random) for the rest of the run.")]
public sealed class StaticScorePolicyPlugin : IPolicyPlugin
{
    public Type OptionsType => typeof(StaticScoreOptions);

    public ISelectionPolicy Create(object options, PolicyContext context)
    {
        var o = PolicyArguments.Check<StaticScoreOptions>("static-score", options, context,
            (options as StaticScoreOptions)?.ScoringEpochs ?? 0, nameof(StaticScoreOptions.ScoringEpochs));
        return new StaticScorePolicy(o, context);
    }

    private sealed class StaticScorePolicy(StaticScoreOptions o, PolicyContext run) : ISelectionPolicy, IRestorable
    {
        private const string Name = "static-score";
        private const int StateVersion = 1;
        private readonly Phases _phases = new(o, run);
        private readonly int _k = Selection.KeepCount(o.KeepFraction, run.SampleCount);
        // The state a checkpoint saves: the K hardest of the scoring pass, once made.
        private int[]? _selection;

        public PolicyNeeds Needs { get; } = new(Scorer: o.Scorer);

        public double NominalKeepFraction => o.KeepFraction;

        public EpochPlan Plan(EpochContext context)
        {
            PolicyArguments.CheckBoard(Name, context, run.SampleCount);
            var scoringEpoch = o.Warmup + o.ScoringEpochs;
            if (_phases.IsFullData(context.Epoch) || context.Epoch < scoringEpoch) return Selection.Full(run.SampleCount);
            if (context.Epoch == scoringEpoch)
            {
                // Fresh values for all N from the current model; the engine accounts the pass as scoring time.
                context.Refresh();
                var scores = context.Scores;
                _selection = scores.HigherIsHarder
                    ? Selection.Largest(scores.Latest, _k, context.Random)
                    : Selection.Smallest(scores.Latest, _k, context.Random);
            }
            return new EpochPlan((int[])PolicyArguments.Reused(Name, _selection, context.Epoch).Clone());
        }

        /// <summary>Version, name, N; the selection (K indices, or none before the scoring pass).</summary>
        public void Save(BinaryWriter writer) => PolicyState.SaveSelection(writer, StateVersion, Name, run.SampleCount, _selection);

        public void Restore(BinaryReader reader) =>
            _selection = PolicyState.RestoreSelection(reader, StateVersion, Name, run.SampleCount, _k);
    }
}
