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
public sealed class StaticScorePolicyPlugin : PolicyPlugin<StaticScoreOptions>
{
    protected override ISelectionPolicy Create(StaticScoreOptions options, PolicyContext context)
    {
        PolicyArguments.Check(Name, options, context, options.ScoringEpochs, nameof(StaticScoreOptions.ScoringEpochs));
        return new StaticScorePolicy(Name, options, context);
    }

    private sealed class StaticScorePolicy(string name, StaticScoreOptions o, PolicyContext run) : SelectingPolicy(name, o, run)
    {
        private int ScoringEpoch => o.Warmup + o.ScoringEpochs;

        public override PolicyNeeds Needs { get; } = new(Scorer: o.Scorer);

        protected override bool IsFullData(int epoch) => base.IsFullData(epoch) || epoch < ScoringEpoch;

        protected override bool SelectsAt(int epoch) => epoch == ScoringEpoch;

        protected override int[] Select(EpochContext context)
        {
            // Fresh values for all N from the current model; the engine accounts the pass as scoring time.
            context.Refresh();
            var scores = context.Scores;
            return scores.HigherIsHarder
                ? Selection.Largest(scores.Latest, K, context.Random)
                : Selection.Smallest(scores.Latest, K, context.Random);
        }
    }
}
