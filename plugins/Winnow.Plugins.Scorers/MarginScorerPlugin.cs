using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Scorers;

/// <summary>Scores each sample by its logit margin <c>z_y − max_{j≠y} z_j</c> (DynaMS): small or negative means near the
/// decision boundary or misclassified, so lower is harder.</summary>
[WinnowPlugin(PluginKind.Scorer, "margin", "Logit margin z_y - max_{j!=y} z_j (DynaMS; lower is harder: small or negative = near the boundary; free).")]
public sealed class MarginScorerPlugin : ScorerPlugin<NoOptions>
{
    protected override IScorer Create(NoOptions options, ScorerContext context) => new MarginScorer(Name);

    private sealed class MarginScorer(string name) : IScorer
    {
        public bool HigherIsHarder => false;

        public Tensor Score(BatchOutcome outcome)
        {
            ScorerInputs.CheckClassification(outcome, name, minClasses: 2);
            using var scope = torch.NewDisposeScope();
            var logits = ScorerInputs.Logits(outcome);
            var targets = ScorerInputs.Targets(outcome);
            var own = logits.gather(1, targets.unsqueeze(1)).squeeze(1);
            // The best other class: hide the target's logit behind −∞ and take the row maximum.
            var others = logits.masked_fill(ScorerInputs.TargetMask(targets, logits.shape[1]), float.NegativeInfinity);
            var best = others.amax([1]);
            return own.sub(best).MoveToOuterDisposeScope();
        }
    }
}
