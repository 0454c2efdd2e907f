using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>static-score</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class StaticScoreOptions : ScheduledPruningOptions
{
    /// <summary>Full-data epochs S trained before scoring (after any <see cref="ScheduledPruningOptions.Warmup"/>), at least 0. Default 2.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "ScoringEpochs must be a whole number of epochs, at least 0.")]
    public int ScoringEpochs { get; set; } = 2;

    /// <summary>The scorer plugin of the scoring pass: any loaded one (Winnow ships el2n, grand, forgetting, margin, loss and entropy).
    /// The K hardest by it are kept: the highest values when the scorer says higher is harder, the lowest when lower is harder
    /// (margin). Default el2n.</summary>
    [Required(ErrorMessage = ScorerOption.Required)]
    public string Scorer { get; set; } = "el2n";
}

/// <summary>The prior work seed 1 argues against: train S epochs on full data, score every sample once,
/// then keep the top-K hardest for the rest of training. The scoring epochs and the scoring pass count in wall-clock.
/// The option <c>Scorer</c> names the scorer plugin of the pass (default el2n); its direction decides which end is hardest.</summary>
[WinnowPlugin(PluginKind.Policy, "static-score",
    "ScoringEpochs full-data epochs, one scoring pass over all N with Scorer (default el2n), then the K hardest by it (highest, or lowest for a lower-is-harder scorer; never-scored first, ties at random) for the rest of the run.")]
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
            return Hardness.Hardest(scores.Latest, scores.HigherIsHarder, K, context.Random);
        }
    }
}
