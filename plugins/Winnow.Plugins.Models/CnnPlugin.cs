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
public sealed class CnnPlugin : IModelPlugin
{
    public Type OptionsType => typeof(CnnOptions);

    public Classifier Create(object options, ModelSpec spec)
    {
        if (options is not CnnOptions o)
            throw new ArgumentException($"cnn expects {nameof(CnnOptions)}, got {options?.GetType().Name ?? "null"}", nameof(options));
        Validator.ValidateObject(o, new ValidationContext(o), validateAllProperties: true);
        return new Cnn(o, spec);
    }
}

/// <summary>The classic two-convolution network of the MNIST examples, sized from the sample shape.</summary>
public sealed class Cnn : Classifier
{
    // Field names become the keys of the saved state ("conv.conv1.weight", "fc.fc1.bias", "head.weight").
    private readonly Sequential conv;
    private readonly Sequential fc;
    private readonly nn.Module<Tensor, Tensor> dropout;
    private readonly Linear head;

    public Cnn(CnnOptions options, ModelSpec spec) : base("cnn")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        var shape = spec.SampleShape;
        // Two 2x2 pools need at least 4 pixels per side, or the flattened size is zero.
        if (shape.Length != 3 || shape[0] < 1 || shape[1] < 4 || shape[2] < 4)
            throw new ArgumentException(
                $"cnn needs samples shaped [C, H, W] with C >= 1 and H, W >= 4; got [{string.Join(", ", shape)}]", nameof(spec));
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.ClassCount, 2, nameof(spec.ClassCount));

        // Padding 1 keeps a 3x3 convolution size-preserving; each max-pool floors the size by 2.
        var flat = checked(options.Channels2 * (shape[1] / 2 / 2) * (shape[2] / 2 / 2));
        conv = nn.Sequential(
            ("conv1", nn.Conv2d(shape[0], options.Channels1, kernel_size: 3, padding: 1)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(kernel_size: 2)),
            ("conv2", nn.Conv2d(options.Channels1, options.Channels2, kernel_size: 3, padding: 1)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(kernel_size: 2)),
            ("flatten", nn.Flatten()));
        fc = nn.Sequential(
            ("fc1", nn.Linear(flat, options.Hidden)),
            ("relu3", nn.ReLU()));
        dropout = options.Dropout > 0 ? nn.Dropout(options.Dropout) : nn.Identity();
        head = nn.Linear(options.Hidden, spec.ClassCount);
        RegisterComponents();
    }

    public override ClassifierOutput forward(Tensor input)
    {
        var features = fc.call(conv.call(input));
        return new ClassifierOutput(head.call(dropout.call(features)), features);
    }
}
