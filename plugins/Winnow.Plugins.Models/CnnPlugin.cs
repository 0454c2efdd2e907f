using System.ComponentModel.DataAnnotations;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Winnow.Plugins.Models;

/// <summary>Options of the <c>cnn</c> model (config section <c>Run:Model:Options</c>).</summary>
public sealed class CnnOptions
{
    /// <summary>Output channels of the first convolution. Default 32.</summary>
    [Range(1, 4096)]
    public int Channels1 { get; set; } = 32;

    /// <summary>Output channels of the second convolution. Default 64.</summary>
    [Range(1, 4096)]
    public int Channels2 { get; set; } = 64;

    /// <summary>Units of the hidden linear layer, whose activation is the feature vector. Default 128.</summary>
    [Range(1, 65536)]
    public int Hidden { get; set; } = 128;

    /// <summary>Dropout probability before the head. Default 0 (off).</summary>
    [Range(0.0, 1.0, MaximumIsExclusive = true, ErrorMessage = "Dropout must be in [0, 1).")]
    public double Dropout { get; set; }
}

/// <summary>Builds <see cref="Cnn"/>.</summary>
[WinnowPlugin(PluginKind.Model, "cnn", "Small CNN for [C,H,W] images: 2 x (3x3 conv+ReLU+2x2 max-pool), Linear+ReLU (features), dropout, linear head.")]
public sealed class CnnPlugin : ModelPlugin<CnnOptions>
{
    protected override Classifier Create(CnnOptions options, ModelSpec spec) => new Cnn(Name, options, spec);
}

/// <summary>The classic two-convolution network of the MNIST examples, sized from the sample shape.</summary>
public sealed class Cnn : SlicedClassifier
{
    // Field names become the keys of the saved state ("conv.conv1.weight", "fc.fc1.bias", "head.weight").
    private readonly Sequential conv;
    private readonly Sequential fc;
    private readonly nn.Module<Tensor, Tensor> dropout;
    private readonly Linear head;

    // The same layers as in conv and fc, for the proxy. A tuple is no module, so RegisterComponents does not register them
    // twice; the proxy reads their parameters on every call, so it follows them when the model moves to another device.
    private readonly (Conv2d Conv1, Conv2d Conv2, Linear Fc1) layers;
    private readonly double dropoutProbability;

    /// <param name="name">The plugin's name: the module's name, and the model's in messages.</param>
    public Cnn(string name, CnnOptions options, ModelSpec spec) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        var shape = spec.SampleShape;
        // Two 2x2 pools need at least 4 pixels per side, or the flattened size is zero.
        if (shape.Length != 3 || shape[0] < 1 || shape[1] < 4 || shape[2] < 4)
            throw new ArgumentException(
                $"{name} needs samples shaped [C, H, W] with C >= 1 and H, W >= 4; got [{string.Join(", ", shape)}]", nameof(spec));
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.ClassCount, 2, nameof(spec.ClassCount));

        // Padding 1 keeps a 3x3 convolution size-preserving; each max-pool floors the size by 2.
        var flat = checked(options.Channels2 * (shape[1] / 2 / 2) * (shape[2] / 2 / 2));
        layers = (
            nn.Conv2d(shape[0], options.Channels1, kernel_size: 3, padding: 1),
            nn.Conv2d(options.Channels1, options.Channels2, kernel_size: 3, padding: 1),
            nn.Linear(flat, options.Hidden));
        conv = nn.Sequential(
            ("conv1", layers.Conv1),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(kernel_size: 2)),
            ("conv2", layers.Conv2),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(kernel_size: 2)),
            ("flatten", nn.Flatten()));
        fc = nn.Sequential(
            ("fc1", layers.Fc1),
            ("relu3", nn.ReLU()));
        dropoutProbability = options.Dropout;
        dropout = options.Dropout > 0 ? nn.Dropout(options.Dropout) : nn.Identity();
        head = nn.Linear(options.Hidden, spec.ClassCount);
        RegisterComponents();
    }

    public override ClassifierOutput forward(Tensor input)
    {
        // The blocks of conv, layer by layer, so that both convolutions go through Convolution and both pools through Pooling.
        using var block1 = Block(layers.Conv1, input);
        using var block2 = Block(layers.Conv2, block1);
        using var flat = block2.flatten(1);
        var features = fc.call(flat);
        return new ClassifierOutput(head.call(dropout.call(features)), features);
    }

    private static Tensor Block(Conv2d layer, Tensor x)
    {
        using var convolved = Convolution.Apply(layer, x);
        using var activated = nn.functional.relu(convolved);
        return Pooling.Max2x2(activated);
    }

    /// <summary>DynaMS's parameter-sharing proxy: conv1, conv2 and fc1 keep their first
    /// <c>max(1, round(width · n))</c> output channels or units (halves away from zero), read through narrow views of this
    /// model's own weights, and a new head <c>proxy_head</c> (fc1's kept units → classes) is registered.</summary>
    protected override long ProxyFeatures(double width) => ParameterSharingProxy.SliceWidth(width, layers.Fc1.weight!.shape[0]);

    protected override Linear Head => head;

    /// <summary>The proxy's forward pass: the blocks of <see cref="forward"/> on the sliced layers, features <c>[B, fc1']</c>,
    /// dropout (training mode only) and <c>proxy_head</c>.</summary>
    /// <remarks>conv1 reads every input channel (the data are not sliced). The flattening is channel-major, so the first
    /// <c>conv2'</c> channels of the pooled <c>[conv2', h, w]</c> map are the first <c>conv2' · h · w</c> columns of fc1's weight,
    /// which is the block fc1's slice reads.</remarks>
    protected override ClassifierOutput ForwardProxy(Tensor input, double width, Linear proxyHead)
    {
        var channels1 = ParameterSharingProxy.SliceWidth(width, layers.Conv1.weight!.shape[0]);
        var channels2 = ParameterSharingProxy.SliceWidth(width, layers.Conv2.weight!.shape[0]);
        var units = ParameterSharingProxy.SliceWidth(width, layers.Fc1.weight!.shape[0]);

        // Intermediates go as soon as they are used; autograd keeps what backward needs.
        using var block1 = ParameterSharingProxy.ConvReluPool(input, layers.Conv1, channels1);
        using var block2 = ParameterSharingProxy.ConvReluPool(block1, layers.Conv2, channels2);
        using var flat = block2.flatten(1);
        var features = ParameterSharingProxy.LinearRelu(flat, layers.Fc1, units);
        var headInput = ParameterSharingProxy.Dropout(features, dropoutProbability, training);
        var logits = proxyHead.call(headInput);
        if (!ReferenceEquals(headInput, features)) headInput.Dispose();
        return new ClassifierOutput(logits, features);
    }
}
