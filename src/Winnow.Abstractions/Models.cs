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
/// <remarks>A model that can offer DynaMS's parameter-sharing proxy also implements <see cref="IProxyModel"/>.</remarks>
public abstract class Classifier : nn.Module<Tensor, ClassifierOutput>
{
    /// <param name="name">The module's name (shows in saved state).</param>
    protected Classifier(string name) : base(name) { }

    /// <summary>Whether the model gives penultimate features in <see cref="ClassifierOutput.Features"/>.</summary>
    public virtual bool HasFeatures => true;
}

/// <summary>Implemented by a <see cref="Classifier"/> that offers DynaMS's parameter-sharing proxy (PSP): a view of itself that
/// uses only the first <c>width</c> fraction of the channels or units of every layer (the same parameters, sliced, not copied)
/// with a head of its own. Training it jointly keeps it faithful to the model; a forward through it costs about width² of a full one.</summary>
/// <remarks>Optional, as <see cref="IRestorable"/> is: a model that does not implement it cannot slice itself, and a policy that
/// asks for a proxy (<see cref="PolicyNeeds.Proxy"/>) then refreshes through the full model.</remarks>
public interface IProxyModel
{
    /// <summary>Creates and registers the proxy's own head for <paramref name="width"/> (called once, before the optimiser is built,
    /// so the head is trained and saved with the model). Returns false when the model cannot slice itself for this width or
    /// these data: the engine then treats it as a model without a proxy.</summary>
    /// <param name="width">The fraction of every layer's units the proxy uses, in (0, 1].</param>
    bool EnableProxy(double width);

    /// <summary>The forward pass of the proxy enabled by <see cref="EnableProxy"/>: logits from the width-sliced layers and the
    /// proxy's head, features from the sliced penultimate layer.</summary>
    /// <param name="input">A batch, as for the model's own forward pass.</param>
    ClassifierOutput ForwardProxy(Tensor input);
}
