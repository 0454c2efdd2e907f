using static TorchSharp.torch;

namespace Winnow.Plugins.Models;

/// <summary>Every 2-D convolution of the models and their proxies runs through here, so that none reaches the faulty CPU kernel
/// described below.</summary>
/// <remarks>
/// libtorch 2.10 computes a float32 convolution on the CPU with oneDNN 3.7.1. When the convolution has a number of output channels
/// that is not a multiple of 16 (the AVX-512 vector block), oneDNN's <c>jit:avx512_core</c> backward-data kernel returns a wrong
/// input gradient (measured against float64 and against an unfold-and-matmul convolution: off by about the gradient's own size,
/// for 3x3 kernels at strides 1 and 2 with 2, 8, 17, 20 or 24 output channels; right for 16, 32, 48, 64). The forward pass and the
/// weight gradient are right. It also reads the padding of its channel blocks without writing it, so its result depends on what
/// the memory held before, and is NaN when that was a NaN pattern: a ResNet-18 of width 4 with its 1-channel proxy failed one run
/// in three that way. The fix here: the weights are extended with zero filters to the next multiple of 16 output channels and the
/// extra output channels are cut off again. The real channels' values are unchanged (a filter's output depends on that filter
/// only), the extra channels' gradient is zero, and the backward pass no longer needs the faulty kernel. Layers whose output channels
/// are already a multiple of 16 (every default width) run unchanged.
/// </remarks>
internal static class Convolution
{
    /// <summary>The output-channel block the faulty kernel pads to.</summary>
    public const long Block = 16;

    /// <summary><c>conv2d(x; weight, bias)</c> with square <paramref name="stride"/> and <paramref name="padding"/>.</summary>
    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, long stride, long padding)
    {
        var channels = weight.shape[0];
        var padded = (channels + Block - 1) / Block * Block;
        if (padded == channels)
            return nn.functional.conv2d(x, weight, bias, strides: [stride, stride], padding: [padding, padding]);

        using var scope = NewDisposeScope();
        var filler = zeros([padded - channels, .. weight.shape[1..]], dtype: weight.dtype, device: weight.device);
        var wide = cat([weight, filler], 0);
        var wideBias = bias is null ? null : cat([bias, zeros([padded - channels], dtype: bias.dtype, device: bias.device)], 0);
        var output = nn.functional.conv2d(x, wide, wideBias, strides: [stride, stride], padding: [padding, padding]);
        return output.narrow(1, 0, channels).MoveToOuterDisposeScope();
    }

    /// <summary>A convolution module's own forward pass: through the module itself (so that its hooks run, which is how the benchmark
    /// counts FLOPs) unless its output channels need <see cref="Apply(Tensor, Tensor, Tensor?, long, long)"/>.</summary>
    public static Tensor Apply(TorchSharp.Modules.Conv2d layer, Tensor x) =>
        layer.weight!.shape[0] % Block == 0 ? layer.call(x) : Apply(x, layer.weight!, layer.bias, layer.stride[0], layer.padding is { } p ? p[0] : 0);
}
