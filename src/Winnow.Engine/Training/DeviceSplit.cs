using static TorchSharp.torch;

namespace Winnow.Engine.Training;

/// <summary>One split on the training device, its inputs as the dataset stored them (float32, or uint8 until the batch), and the
/// model-ready batches gathered from it.</summary>
/// <remarks>Uint8 inputs are converted and normalised per batch, after the gather: the whole split stays at one byte per value on
/// the device, and the conversion costs one elementwise pass over a batch, small beside its forward pass.</remarks>
internal sealed class DeviceSplit : IDisposable
{
    private readonly Tensor _inputs;
    private readonly (Tensor Mean, Tensor Std)? _normalization;

    public DeviceSplit(LabeledData data, Device device)
    {
        _inputs = data.Inputs.to(device);
        Labels = data.Labels.to(device);
        if (data.Normalization is { } n) _normalization = n.On(device, (int)data.Inputs.dim());
    }

    /// <summary>Int64 <c>[N]</c> on the device.</summary>
    public Tensor Labels { get; }

    public long Count => Labels.shape[0];

    /// <summary>The float32 model inputs of the samples <paramref name="indices"/> (int64 on the device).</summary>
    public Tensor Gather(Tensor indices) => Prepared(_inputs.index_select(0, indices));

    /// <summary>The float32 model inputs of samples <c>start … start + length − 1</c>.</summary>
    public Tensor Slice(long start, long length) => Prepared(_inputs.narrow(0, start, length));

    private Tensor Prepared(Tensor stored) => _normalization is { } n ? Normalization.Apply(stored, n) : stored;

    public void Dispose()
    {
        _inputs.Dispose();
        Labels.Dispose();
        if (_normalization is { } n)
        {
            n.Mean.Dispose();
            n.Std.Dispose();
        }
    }
}
