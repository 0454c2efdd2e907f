using static TorchSharp.torch;

namespace Winnow;

/// <summary>Creates a per-sample scorer. Export with <see cref="WinnowPluginAttribute"/>.
/// <see cref="ScorerPlugin{TOptions}"/> implements it with the options cast and validated.</summary>
public interface IScorerPlugin : IPlugin
{
    /// <summary>Creates the scorer for one run.</summary>
    /// <param name="options">An instance of <see cref="IPlugin.OptionsType"/>, bound and validated.</param>
    /// <param name="context">The size of the training split (for scorers that keep per-sample history).</param>
    IScorer Create(object options, ScorerContext context);
}

/// <summary>What a scorer is created for: <paramref name="SampleCount"/> training samples.</summary>
public sealed record ScorerContext(int SampleCount);

/// <summary>Turns the outcome of a forward pass the engine already made into one value per sample;
/// the engine records the values on the score board that policies read.</summary>
public interface IScorer
{
    /// <summary>Called under <c>no_grad</c> inside the step's dispose scope, once per training batch and once per refresh batch.</summary>
    /// <returns>A float tensor <c>[B]</c>, one value per sample of the batch, on the batch's device.</returns>
    Tensor Score(BatchOutcome outcome);

    /// <summary>Whether a higher value means a harder (more informative) sample. Default true; false for margins.</summary>
    bool HigherIsHarder => true;

    /// <summary>Whether <see cref="BatchOutcome.Features"/> must be filled; the engine refuses a model that does not give them.</summary>
    bool NeedsFeatures => false;
}

/// <summary>A batch's forward pass. Tensors are on the training device and detached from the graph.</summary>
/// <param name="Indices">Int64 <c>[B]</c>: which training samples the rows are.</param>
/// <param name="Logits">Float <c>[B, classes]</c>.</param>
/// <param name="Targets">Int64 <c>[B]</c>.</param>
/// <param name="Losses">Float <c>[B]</c>: per-sample cross-entropy (no reduction).</param>
/// <param name="Features">Float <c>[B, F]</c>: penultimate features, when the model exposes them.</param>
/// <param name="Epoch">Zero-based epoch of the pass.</param>
public sealed record BatchOutcome(Tensor Indices, Tensor Logits, Tensor Targets, Tensor Losses, Tensor? Features, int Epoch);
