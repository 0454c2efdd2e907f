using TorchSharp;
using static TorchSharp.torch;

namespace Winnow;

/// <summary>Builds a classifier network. Export with <see cref="WinnowPluginAttribute"/>.
/// <see cref="ModelPlugin{TOptions}"/> implements it with the options cast and validated.</summary>
public interface IModelPlugin : IPlugin
{
    /// <summary>Builds a freshly initialised model for the given data. Initialisation must draw from TorchSharp's
    /// global generator (the host seeds it), so a run is reproducible.</summary>
    /// <param name="options">An instance of <see cref="IPlugin.OptionsType"/>, bound and validated.</param>
    /// <param name="spec">The shape of one sample and the number of classes.</param>
    Classifier Create(object options, ModelSpec spec);
}

/// <summary>What a model must fit: one sample's shape (for example <c>[1, 28, 28]</c>) and the class count.</summary>
public sealed record ModelSpec(long[] SampleShape, int ClassCount);

/// <summary>A model's output for a batch: logits <c>[B, classes]</c> and, where the model exposes them,
/// the penultimate features <c>[B, F]</c> (scorers such as GraNd use them).</summary>
public sealed record ClassifierOutput(Tensor Logits, Tensor? Features);

/// <summary>A classification network. The engine moves it to the device, switches train/eval mode,
/// optimises its parameters and calls <c>forward</c> once per batch.</summary>
/// <remarks>A model may also offer DynaMS's parameter-sharing proxy (PSP): a view of itself that uses only the first
/// <c>width</c> fraction of the channels or units of every layer — the same parameters, sliced, not copied — with a
/// head of its own. Training it jointly keeps it faithful to the model; a forward through it costs about width² of a full one.</remarks>
public abstract class Classifier : nn.Module<Tensor, ClassifierOutput>
{
    /// <param name="name">The module's name (shows in saved state).</param>
    protected Classifier(string name) : base(name) { }

    /// <summary>Whether the model gives penultimate features in <see cref="ClassifierOutput.Features"/>.</summary>
    public virtual bool HasFeatures => true;

    /// <summary>Creates and registers the proxy's own head for <paramref name="width"/> (called once, before the optimiser is built,
    /// so the head is trained and saved with the model). Returns false when the model cannot slice itself.</summary>
    public virtual bool EnableProxy(double width) => false;

    /// <summary>The forward pass of the proxy enabled by <see cref="EnableProxy"/>: logits from the width-sliced layers and the
    /// proxy's head, features from the sliced penultimate layer.</summary>
    public virtual ClassifierOutput ForwardProxy(Tensor input) =>
        throw new NotSupportedException($"{GetType().Name} has no parameter-sharing proxy");
}
