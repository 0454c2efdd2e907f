using System.ComponentModel.DataAnnotations;
using static TorchSharp.torch;

namespace Winnow.Fixtures.Plugins;

/// <summary>Options of the <c>confidence</c> fixture scorer.</summary>
public sealed class ConfidenceOptions
{
    /// <summary>Power p of the probability: the score is q_y^p = exp(−p·loss), p greater than 0. Default 1.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true, ErrorMessage = "Power must be greater than 0.")]
    public double Power { get; set; } = 1.0;
}

/// <summary>Scores each sample by the probability the model gives its true class, <c>q_y = exp(−loss)</c>: a scorer Winnow does
/// not ship, and one where lower is harder, the opposite of the loss the bandit policies default to.</summary>
/// <remarks>Computed from the engine's per-sample loss, so it orders the samples exactly as the loss does, reversed: a policy that
/// ranks by hardness keeps the same samples with it as with the loss, which the integration tests check end to end.</remarks>
[WinnowPlugin(PluginKind.Scorer, "confidence", "Test fixture: probability of the true class, exp(-Power*loss); lower is harder.")]
public sealed class ConfidenceScorerPlugin : ScorerPlugin<ConfidenceOptions>
{
    protected override IScorer Create(ConfidenceOptions options, ScorerContext context) => new ConfidenceScorer(options.Power);

    private sealed class ConfidenceScorer(double power) : IScorer
    {
        public bool HigherIsHarder => false;

        public Tensor Score(BatchOutcome outcome) => outcome.Losses.mul(-power).exp();
    }
}
