using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Scorers;

/// <summary>Scores each sample by the L2 norm of its error vector, <c>||softmax(z) − onehot(y)||_2</c> (EL2N, Paul et al. 2021),
/// from the logits the training step computed anyway.</summary>
/// <remarks>Ranges from 0 (confidently right) to √2 (confidently wrong); higher is harder.</remarks>
[WinnowPlugin(PluginKind.Scorer, "el2n", "EL2N: ||softmax(z) - onehot(y)||_2 from the training forward pass (Paul et al. 2021; free).")]
public sealed class El2nScorerPlugin : ScorerPlugin<NoOptions>
{
    protected override IScorer Create(NoOptions options, ScorerContext context) => new El2nScorer(Name);

    private sealed class El2nScorer(string name) : IScorer
    {
        public Tensor Score(BatchOutcome outcome)
        {
            ScorerInputs.CheckClassification(outcome, name);
            // Our own scope frees the softmax and one-hot at once instead of at the end of the engine's step.
            using var scope = torch.NewDisposeScope();
            return ScorerInputs.ErrorNorm(outcome).MoveToOuterDisposeScope();
        }
    }
}
