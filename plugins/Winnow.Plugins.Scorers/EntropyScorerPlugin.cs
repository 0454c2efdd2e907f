using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Scorers;

/// <summary>Scores each sample by the entropy of its predicted distribution, <c>−Σ_j q_j log q_j</c>, <c>q = softmax(z)</c>.</summary>
/// <remarks><c>log q</c> comes from <c>log_softmax</c> (no log of an underflowed probability), and <c>0 · log 0 = 0</c>, so a class
/// whose logit is <c>−∞</c> adds nothing. Ranges from 0 (certain) to <c>log C</c> (uniform); higher is harder.</remarks>
[WinnowPlugin(PluginKind.Scorer, "entropy", "Predictive entropy -sum_j q_j log q_j of softmax(z), via log_softmax with 0*log 0 = 0 (free).")]
public sealed class EntropyScorerPlugin : ScorerPlugin<NoOptions>
{
    protected override IScorer Create(NoOptions options, ScorerContext context) => new EntropyScorer(Name);

    private sealed class EntropyScorer(string name) : IScorer
    {
        public Tensor Score(BatchOutcome outcome)
        {
            ScorerInputs.CheckClassification(outcome, name);
            using var scope = torch.NewDisposeScope();
            var logQ = nn.functional.log_softmax(ScorerInputs.Logits(outcome), 1);
            var q = logQ.exp();
            var terms = q.mul(logQ).masked_fill(q.eq(0), 0);
            return terms.sum(1).neg().MoveToOuterDisposeScope();
        }
    }
}
