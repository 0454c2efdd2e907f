using TorchSharp;
using static TorchSharp.torch;

namespace Winnow;

/// <summary>Builds a classifier network. Export with <see cref="WinnowPluginAttribute"/>.</summary>
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
public abstract class Classifier : nn.Module<Tensor, ClassifierOutput>
{
    /// <param name="name">The module's name (shows in saved state).</param>
    protected Classifier(string name) : base(name) { }
}
