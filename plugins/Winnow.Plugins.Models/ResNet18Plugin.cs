using System.ComponentModel.DataAnnotations;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Winnow.Plugins.Models;

/// <summary>Options of the <c>resnet18</c> model (config section <c>Run:Model:Options</c>).</summary>
public sealed class ResNet18Options
{
    /// <summary>Channels of the stem and the first stage; the four stages have <c>Width · [1, 2, 4, 8]</c>. Default 64 (the
    /// standard ResNet-18, about 11.2 M parameters for 10 classes).</summary>
    [Range(1, 512)]
    public int Width { get; set; } = 64;
}

/// <summary>Builds <see cref="ResNet18"/>.</summary>
[WinnowPlugin(PluginKind.Model, "resnet18", "ResNet-18, CIFAR variant: 3x3 stem without max-pool, BasicBlocks [2,2,2,2] of Width x [1,2,4,8] channels, global average pool (features), linear head.")]
public sealed class ResNet18Plugin : ModelPlugin<ResNet18Options>
{
    protected override Classifier Create(ResNet18Options options, ModelSpec spec) => new ResNet18(Name, options, spec);
}

/// <summary>ResNet-18 as used for CIFAR (He et al. 2016; the variant of the data-pruning papers): a 3x3 stride-1 stem
/// convolution, batch norm and ReLU without max-pool; four stages of two <see cref="BasicBlock"/>s with <c>w, 2w, 4w, 8w</c>
/// channels and strides 1, 2, 2, 2; global average pool, whose <c>[B, 8w]</c> output is the feature vector; a linear head.</summary>
/// <remarks>
/// Any <c>[C, H, W]</c> sample fits: the pool is adaptive, and a 3x3 convolution with padding 1 or a 1x1 convolution keeps a
/// side of 1 at 1 under stride 2. Initialisation as torchvision's: convolutions Kaiming normal (fan out, ReLU), batch norm
/// weight 1 and bias 0, the head PyTorch's default; all drawn from TorchSharp's global generator.
/// </remarks>
public sealed class ResNet18 : SlicedClassifier
{
    private static readonly int[] StageWidths = [1, 2, 4, 8];
    private static readonly int[] StageStrides = [1, 2, 2, 2];
    private const int BlocksPerStage = 2;

    // Field names become the keys of the saved state, as torchvision's except the head: "conv1.weight", "bn1.running_mean",
    // "layer2.0.conv1.weight", "layer2.0.shortcut.conv.weight", "head.weight".
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly Linear head;

    // The same blocks as in layer1..layer4, in order, for the proxy. An array is no module, so RegisterComponents does not
    // register them twice.
    private readonly BasicBlock[] blocks;

    /// <param name="name">The plugin's name: the module's name, and the model's in messages.</param>
    public ResNet18(string name, ResNet18Options options, ModelSpec spec) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        var shape = spec.SampleShape;
        if (shape.Length != 3 || shape.Any(d => d < 1))
            throw new ArgumentException(
                $"{name} needs samples shaped [C, H, W] with C, H, W >= 1; got [{string.Join(", ", shape)}]", nameof(spec));
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.ClassCount, 2, nameof(spec.ClassCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Width, 1, nameof(options.Width));

        long width = options.Width;
        conv1 = Layers.Conv(shape[0], width, kernel: 3, stride: 1);
        bn1 = Layers.Norm(width);
        var stages = new Sequential[StageWidths.Length];
        var all = new List<BasicBlock>();
        var inChannels = width;
        for (var s = 0; s < stages.Length; s++)
        {
            var outChannels = width * StageWidths[s];
            stages[s] = nn.Sequential();
            for (var b = 0; b < BlocksPerStage; b++)
            {
                var block = new BasicBlock(inChannels, outChannels, b == 0 ? StageStrides[s] : 1);
                stages[s].append(b.ToString(System.Globalization.CultureInfo.InvariantCulture), block);
                all.Add(block);
                inChannels = outChannels;
            }
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3]);
        blocks = [.. all];
        head = nn.Linear(inChannels, spec.ClassCount);
        RegisterComponents();
    }

    public override ClassifierOutput forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Intermediates go as soon as they are used; autograd keeps what backward needs. The caller's input is not ours.
        using var convolved = Convolution.Apply(conv1, input);
        using var normalised = bn1.call(convolved);
        var x = nn.functional.relu(normalised);
        foreach (var layer in new[] { layer1, layer2, layer3, layer4 })
        {
            var next = layer.call(x);
            x.Dispose();
            x = next;
        }
        var features = Pool(x);
        return new ClassifierOutput(head.call(features), features);
    }

    /// <summary>DynaMS's parameter-sharing proxy: every convolution and batch norm keeps its first
    /// <c>max(1, round(width · n))</c> channels (halves away from zero), read through narrow views of this model's own weights
    /// and batch-norm affine parameters, and a new head <c>proxy_head</c> (the kept <c>8w</c> channels → classes) is registered.
    ///</summary>
    protected override long ProxyFeatures(double width) => ParameterSharingProxy.SliceWidth(width, head.weight!.shape[1]);

    protected override Linear Head => head;

    /// <summary>The proxy's forward pass: the stem and every block on the sliced layers, features <c>[B, 8w']</c> from the
    /// global average pool, logits from <c>proxy_head</c>.</summary>
    /// <remarks>The stem reads every input channel (the data are not sliced). Batch norm, as
    /// <see cref="ParameterSharingProxy.BatchNorm"/>: in training mode the batch's statistics, leaving the model's running
    /// statistics untouched; in evaluation mode the shared layers' running statistics, sliced.</remarks>
    protected override ClassifierOutput ForwardProxy(Tensor input, double width, Linear proxyHead)
    {
        var stem = ParameterSharingProxy.SliceWidth(width, conv1.weight!.shape[0]);
        using var convolved = ParameterSharingProxy.Conv(input, conv1, stem, stride: 1, padding: 1);
        using var normalised = ParameterSharingProxy.BatchNorm(convolved, bn1, training);
        var x = nn.functional.relu(normalised);
        foreach (var block in blocks)
        {
            var next = block.ForwardProxy(x, width, training);
            x.Dispose();
            x = next;
        }
        var features = Pool(x);
        return new ClassifierOutput(proxyHead.call(features), features);
    }

    /// <summary>Global average pool to <c>[B, C]</c>; disposes <paramref name="x"/>.</summary>
    private static Tensor Pool(Tensor x)
    {
        using (x)
        {
            using var pooled = nn.functional.adaptive_avg_pool2d(x, 1);
            return pooled.flatten(1);
        }
    }
}

/// <summary>ResNet's basic block: <c>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))</c> with 3x3 convolutions (the first
/// with the block's stride); the shortcut is the identity, or a strided 1x1 convolution and batch norm where the shape
/// changes.</summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    // Field names become the keys of the saved state: "conv1.weight", "bn2.bias", "shortcut.conv.weight", "shortcut.bn.running_var".
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    // Null when the shortcut is the identity (RegisterComponents skips it).
    private readonly Sequential? shortcut;

    // The shortcut's layers again, for the proxy; a tuple is no module, so they are not registered twice.
    private readonly (Conv2d Conv, BatchNorm2d Norm)? projection;
    private readonly long stride;

    public BasicBlock(long inChannels, long outChannels, long stride) : base(nameof(BasicBlock))
    {
        this.stride = stride;
        conv1 = Layers.Conv(inChannels, outChannels, kernel: 3, stride: stride);
        bn1 = Layers.Norm(outChannels);
        conv2 = Layers.Conv(outChannels, outChannels, kernel: 3, stride: 1);
        bn2 = Layers.Norm(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            projection = (Layers.Conv(inChannels, outChannels, kernel: 1, stride: stride), Layers.Norm(outChannels));
            shortcut = nn.Sequential(("conv", projection.Value.Conv), ("bn", projection.Value.Norm));
        }
        RegisterComponents();
    }

    /// <summary>The block's output channels.</summary>
    public long OutChannels => conv2.weight!.shape[0];

    public override Tensor forward(Tensor input)
    {
        using var residual = Residual(input);
        using var projected = Shortcut(input);
        using var sum = residual + (projected ?? input);
        return nn.functional.relu(sum);
    }

    /// <summary>The block on its sliced layers: <c>max(1, round(width · OutChannels))</c> output channels, reading the channels
    /// of <paramref name="input"/> (the previous sliced layer's). An identity shortcut stays one: input and output keep the same
    /// count of channels, since the rule gives the same slice of the same width.</summary>
    public Tensor ForwardProxy(Tensor input, double width, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        var channels = ParameterSharingProxy.SliceWidth(width, OutChannels);
        using var a = ParameterSharingProxy.Conv(input, conv1, channels, stride, padding: 1);
        using var b = ParameterSharingProxy.BatchNorm(a, bn1, training);
        using var c = nn.functional.relu(b);
        using var d = ParameterSharingProxy.Conv(c, conv2, channels, stride: 1, padding: 1);
        using var residual = ParameterSharingProxy.BatchNorm(d, bn2, training);
        Tensor? projected = null;
        try
        {
            if (projection is { } p)
            {
                using var e = ParameterSharingProxy.Conv(input, p.Conv, channels, stride, padding: 0);
                projected = ParameterSharingProxy.BatchNorm(e, p.Norm, training);
            }
            using var sum = residual + (projected ?? input);
            return nn.functional.relu(sum);
        }
        finally
        {
            projected?.Dispose();
        }
    }

    // Layer by layer rather than through the modules' own forward, so that every convolution goes through Convolution.
    private Tensor Residual(Tensor input)
    {
        using var a = Convolution.Apply(conv1, input);
        using var b = bn1.call(a);
        using var c = nn.functional.relu(b);
        using var d = Convolution.Apply(conv2, c);
        return bn2.call(d);
    }

    private Tensor? Shortcut(Tensor input)
    {
        if (projection is not { } p) return null;
        using var convolved = Convolution.Apply(p.Conv, input);
        return p.Norm.call(convolved);
    }
}

/// <summary>The layers of <see cref="ResNet18"/>, initialised as torchvision initialises its ResNets.</summary>
internal static class Layers
{
    /// <summary>A convolution without bias (batch norm follows), padding 1 for 3x3 and 0 for 1x1, weights Kaiming normal with
    /// fan out and the ReLU gain, <c>N(0, 2 / (out · k · k))</c>.</summary>
    public static Conv2d Conv(long inChannels, long outChannels, long kernel, long stride)
    {
        var conv = nn.Conv2d(inChannels, outChannels, kernel_size: kernel, stride: stride, padding: kernel / 2, bias: false);
        using (no_grad())
            nn.init.kaiming_normal_(conv.weight!, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        return conv;
    }

    /// <summary>Batch norm with weight 1 and bias 0 (PyTorch's defaults, set here so they are stated).</summary>
    public static BatchNorm2d Norm(long channels)
    {
        var norm = nn.BatchNorm2d(channels);
        using (no_grad())
        {
            nn.init.ones_(norm.weight!);
            nn.init.zeros_(norm.bias!);
        }
        return norm;
    }
}
