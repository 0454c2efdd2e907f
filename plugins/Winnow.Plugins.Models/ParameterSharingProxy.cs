using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Winnow.Plugins.Models;

/// <summary>What <see cref="Mlp"/>, <see cref="Cnn"/> and <see cref="ResNet18"/> share to offer DynaMS's parameter-sharing proxy (PSP): the width rule,
/// the checks of <see cref="IProxyModel.EnableProxy"/> and the sliced layers.</summary>
/// <remarks>
/// A sliced layer keeps the first <c>n'</c> output units (rows of a linear weight, output channels of a convolution) and reads
/// only the first <c>n'</c> units the previous sliced layer produced. The slices are <c>narrow</c> views of the model's own
/// parameters, so the proxy costs no memory and the gradient of a proxy loss lands in exactly those blocks of the shared
/// weights. The first layer reads all of the sample (the data are not sliced).
/// </remarks>
internal static class ParameterSharingProxy
{
    /// <summary>The proxy head's name in the module tree, so saved state has <c>proxy_head.weight</c> and <c>proxy_head.bias</c>.</summary>
    public const string HeadName = "proxy_head";

    /// <summary>The sliced width of a layer of <paramref name="units"/> units: <c>max(1, round(width · units))</c>, halves rounded
    /// away from zero (0.5 · 5 = 2.5 gives 3), so every layer keeps at least one unit.</summary>
    public static long SliceWidth(double width, long units) =>
        Math.Max(1L, (long)Math.Round(width * units, MidpointRounding.AwayFromZero));

    /// <summary>Checks a call of <see cref="IProxyModel.EnableProxy"/>. Returns true when the proxy must be built now, false when it is
    /// already enabled with this same width (the call then changes nothing).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is not in (0, 1].</exception>
    /// <exception cref="InvalidOperationException">The proxy is already enabled with another width.</exception>
    public static bool MustBuild(string model, double? enabledWidth, double width)
    {
        // Written so that NaN fails too.
        if (!(width > 0 && width <= 1))
            throw new ArgumentOutOfRangeException(nameof(width), width, $"{model}: the proxy width must be in (0, 1]; got {width}");
        if (enabledWidth is not { } enabled) return true;
        if (enabled == width) return false;
        throw new InvalidOperationException(
            $"{model}: the proxy is already enabled with width {enabled}; it cannot be enabled again with width {width} " +
            "(its head was registered for the first width and may already be in an optimiser)");
    }

    /// <summary>The error of <see cref="IProxyModel.ForwardProxy"/> before <see cref="IProxyModel.EnableProxy"/>.</summary>
    public static InvalidOperationException NotEnabled(string model) =>
        new($"{model}: the parameter-sharing proxy is not enabled; call EnableProxy(width) before ForwardProxy");

    /// <summary>A new proxy head on the device and with the element type of <paramref name="like"/> (the model's own head),
    /// initialised from TorchSharp's global generator like every other layer.</summary>
    public static Linear CreateHead(long features, Linear like)
    {
        var weight = like.weight!;
        return nn.Linear(features, weight.shape[0], hasBias: true, device: weight.device, dtype: weight.dtype);
    }

    /// <summary><c>relu(x · W[:outUnits, :in]ᵀ + b[:outUnits])</c> with <c>in</c> the width of <paramref name="x"/>.</summary>
    public static Tensor LinearRelu(Tensor x, Linear layer, long outUnits)
    {
        using var rows = layer.weight!.narrow(0, 0, outUnits);
        using var weight = rows.narrow(1, 0, x.shape[1]);
        using var bias = layer.bias!.narrow(0, 0, outUnits);
        using var preActivation = nn.functional.linear(x, weight, bias);
        return nn.functional.relu(preActivation);
    }

    /// <summary><c>max_pool_2x2(relu(conv3x3(x; W[:outChannels, :in], b[:outChannels], padding 1)))</c> with <c>in</c> the
    /// channel count of <paramref name="x"/>: the block of <see cref="Cnn"/>.</summary>
    public static Tensor ConvReluPool(Tensor x, Conv2d layer, long outChannels)
    {
        using var rows = layer.weight!.narrow(0, 0, outChannels);
        using var weight = rows.narrow(1, 0, x.shape[1]);
        using var bias = layer.bias!.narrow(0, 0, outChannels);
        using var convolved = Convolution.Apply(x, weight, bias, stride: 1, padding: 1);
        using var activated = nn.functional.relu(convolved);
        return Pooling.Max2x2(activated);
    }

    /// <summary><c>conv(x; W[:outChannels, :in])</c> without bias, with <c>in</c> the channel count of <paramref name="x"/>:
    /// a sliced convolution of <see cref="ResNet18"/> (its kernel size is the layer's; stride and padding as given).</summary>
    public static Tensor Conv(Tensor x, Conv2d layer, long outChannels, long stride, long padding)
    {
        using var rows = layer.weight!.narrow(0, 0, outChannels);
        using var weight = rows.narrow(1, 0, x.shape[1]);
        return Convolution.Apply(x, weight, null, stride, padding);
    }

    /// <summary>Batch norm of the first <c>c'</c> channels (the channel count of <paramref name="x"/>) with the sliced affine
    /// parameters <c>γ[:c']</c>, <c>β[:c']</c> of <paramref name="layer"/> and its <c>eps</c>.</summary>
    /// <remarks>
    /// In training mode it normalises with the batch's own statistics and passes no running buffers, so a proxy pass never
    /// moves the shared layer's <c>running_mean</c>, <c>running_var</c> or <c>num_batches_tracked</c>: those stay the
    /// statistics of the model. In evaluation mode it uses the sliced running statistics <c>running_mean[:c']</c>,
    /// <c>running_var[:c']</c> of the shared layer, so an evaluation pass is per sample, independent of the batch, as the
    /// model's is. Those statistics were gathered by the full model: the first <c>c'</c> channels of a layer that sees all of its
    /// input, where the proxy's layer sees only the first channels. They are an approximation of the proxy's own statistics
    /// (slimmable networks keep private statistics per width for this reason), accepted so that the proxy adds no state.
    /// </remarks>
    public static Tensor BatchNorm(Tensor x, BatchNorm2d layer, bool training)
    {
        var channels = x.shape[1];
        using var weight = layer.weight!.narrow(0, 0, channels);
        using var bias = layer.bias!.narrow(0, 0, channels);
        if (training || layer.running_mean is null || layer.running_var is null)
            return nn.functional.batch_norm(x, null, null, weight, bias, training: true, eps: layer.eps);
        using var mean = layer.running_mean.narrow(0, 0, channels);
        using var variance = layer.running_var.narrow(0, 0, channels);
        return nn.functional.batch_norm(x, mean, variance, weight, bias, training: false, eps: layer.eps);
    }

    /// <summary>Dropout with probability <paramref name="p"/> in training mode; the input itself when <paramref name="p"/> is 0.</summary>
    public static Tensor Dropout(Tensor x, double p, bool training) =>
        p > 0 ? nn.functional.dropout(x, p, training) : x;
}
