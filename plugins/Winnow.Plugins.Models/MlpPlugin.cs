using System.ComponentModel.DataAnnotations;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Winnow.Plugins.Models;

/// <summary>Options of the <c>mlp</c> model (config section <c>Run:Model:Options</c>).</summary>
public sealed class MlpOptions
{
    /// <summary>Units in every hidden layer. Default 256.</summary>
    [Range(1, 65536)]
    public int HiddenUnits { get; set; } = 256;

    /// <summary>Number of Linear+ReLU hidden layers. Default 2.</summary>
    [Range(1, 16)]
    public int HiddenLayers { get; set; } = 2;

    /// <summary>Dropout probability between hidden layers and before the head. Default 0 (off).</summary>
    [Range(0.0, 1.0, MaximumIsExclusive = true, ErrorMessage = "Dropout must be in [0, 1).")]
    public double Dropout { get; set; }
}

/// <summary>Builds <see cref="Mlp"/>.</summary>
[WinnowPlugin(PluginKind.Model, "mlp", "Multi-layer perceptron on the flattened sample: HiddenLayers x (Linear+ReLU), then a linear head.")]
public sealed class MlpPlugin : IModelPlugin
{
    public Type OptionsType => typeof(MlpOptions);

    public Classifier Create(object options, ModelSpec spec)
    {
        if (options is not MlpOptions o)
            throw new ArgumentException($"mlp expects {nameof(MlpOptions)}, got {options?.GetType().Name ?? "null"}", nameof(options));
        Validator.ValidateObject(o, new ValidationContext(o), validateAllProperties: true);
        return new Mlp(o, spec);
    }
}

/// <summary>A fully connected classifier whose features are the last hidden activation.</summary>
public sealed class Mlp : Classifier
{
    // Field names become the keys of the saved state ("body.fc0.weight", "head.bias").
    private readonly Sequential body;
    private readonly nn.Module<Tensor, Tensor> dropout;
    private readonly Linear head;

    public Mlp(MlpOptions options, ModelSpec spec) : base("mlp")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.SampleShape.Length == 0 || spec.SampleShape.Any(d => d <= 0))
            throw new ArgumentException($"mlp needs a sample shape with positive dimensions; got [{string.Join(", ", spec.SampleShape)}]", nameof(spec));
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.ClassCount, 2, nameof(spec.ClassCount));

        var inputs = spec.SampleShape.Aggregate(1L, (a, d) => checked(a * d));
        body = nn.Sequential();
        for (var i = 0; i < options.HiddenLayers; i++)
        {
            // Dropout sits between blocks, not after the last one: the features must be the clean activation
            // (GraNd uses them), and the head gets its own dropout below.
            if (i > 0 && options.Dropout > 0) body.append($"drop{i}", nn.Dropout(options.Dropout));
            body.append($"fc{i}", nn.Linear(i == 0 ? inputs : options.HiddenUnits, options.HiddenUnits));
            body.append($"relu{i}", nn.ReLU());
        }
        dropout = options.Dropout > 0 ? nn.Dropout(options.Dropout) : nn.Identity();
        head = nn.Linear(options.HiddenUnits, spec.ClassCount);
        RegisterComponents();
    }

    public override ClassifierOutput forward(Tensor input)
    {
        var features = body.call(input.flatten(1));
        return new ClassifierOutput(head.call(dropout.call(features)), features);
    }
}
