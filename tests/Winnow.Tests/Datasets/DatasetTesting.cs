using static TorchSharp.torch;

namespace Winnow.Tests.Datasets;

internal static class DatasetTesting
{
    /// <summary>What the model sees of a whole split: its inputs as they are when float32, else the bytes converted and normalised
    /// exactly as the engine does it for each batch.</summary>
    public static Tensor ModelInputs(this LabeledData data) =>
        data.Normalization is { } n ? Normalization.Apply(data.Inputs, n.On(CPU, (int)data.Inputs.dim())) : data.Inputs;
}
