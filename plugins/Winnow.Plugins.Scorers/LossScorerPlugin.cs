using static TorchSharp.torch;

namespace Winnow.Plugins.Scorers;

/// <summary>Scores each sample by its training cross-entropy, which the engine computed for the step anyway.</summary>
[WinnowPlugin(PluginKind.Scorer, "loss", "Per-sample cross-entropy of the training forward pass (free: no extra pass).")]
public sealed class LossScorerPlugin : ScorerPlugin<NoOptions>
{
    protected override IScorer Create(NoOptions options, ScorerContext context) => new LossScorer(Name);

    private sealed class LossScorer(string name) : IScorer
    {
        public Tensor Score(BatchOutcome outcome)
        {
            ArgumentNullException.ThrowIfNull(outcome);
            if (outcome.Losses.dim() != 1)
                throw new ArgumentException($"{name} scorer expects per-sample losses [B]; got [{string.Join(", ", outcome.Losses.shape)}]", nameof(outcome));
            // A new handle on the same storage: no copy, and whoever disposes the score cannot dispose the engine's losses.
            return outcome.Losses.alias();
        }
    }
}
