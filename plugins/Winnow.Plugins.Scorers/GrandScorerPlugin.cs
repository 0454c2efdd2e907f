using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Scorers;

/// <summary>Scores each sample by an upper bound of the norm of its loss gradient with respect to the last linear layer
/// (GraNd, Paul et al. 2021): <c>||softmax(z) − y||_2 · sqrt(||h||² + 1)</c>, <c>h</c> the penultimate features.</summary>
/// <remarks>For a last layer <c>z = W h + b</c> the cross-entropy gradient is <c>(q − y) hᵀ</c> for <c>W</c> and <c>q − y</c> for <c>b</c>,
/// whose joint norm is exactly this value; the <c>+ 1</c> is the bias. Features of more than two dimensions are flattened per sample.</remarks>
[WinnowPlugin(PluginKind.Scorer, "grand", "GraNd: last-layer gradient norm ||softmax(z) - y||_2 * sqrt(||h||^2 + 1), h the penultimate features (free; the model must expose features).")]
public sealed class GrandScorerPlugin : ScorerPlugin<NoOptions>
{
    protected override IScorer Create(NoOptions options, ScorerContext context) => new GrandScorer(Name);

    private sealed class GrandScorer(string name) : IScorer
    {
        public bool NeedsFeatures => true;

        public Tensor Score(BatchOutcome outcome)
        {
            var batch = ScorerInputs.CheckClassification(outcome, name);
            var features = outcome.Features
                ?? throw new InvalidOperationException($"{name} scorer needs the penultimate features (BatchOutcome.Features), but the batch has none; use a model that exposes its features");
            if (features.dim() < 2 || features.shape[0] != batch)
                throw new ArgumentException($"{name} scorer expects features [{batch}, F] to match the logits; got [{string.Join(", ", features.shape)}]", nameof(outcome));

            using var scope = torch.NewDisposeScope();
            var featureNormSquared = features.to_type(ScalarType.Float32).flatten(1).square().sum(1);
            return ScorerInputs.ErrorNorm(outcome).mul(featureNormSquared.add(1).sqrt()).MoveToOuterDisposeScope();
        }
    }
}
