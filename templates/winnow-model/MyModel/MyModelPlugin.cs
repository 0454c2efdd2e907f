using System.ComponentModel.DataAnnotations;
using TorchSharp.Modules;
using Winnow;
using static TorchSharp.torch;

namespace MyModel;

/// <summary>Options of the <c>my-model</c> model (config section <c>Run:Model:Options</c>).</summary>
public sealed class MyModelOptions
{
    /// <summary>Units of the hidden layer. Default 128.</summary>
    [Range(1, 65536)]
    public int HiddenUnits { get; set; } = 128;

    /// <summary>Width of the bottleneck the features come from, which scorers such as grand read. Default 32.</summary>
    [Range(1, 65536)]
    public int FeatureUnits { get; set; } = 32;
}

/// <summary>Exports the model: the host finds this class by its attribute and builds one model per run.</summary>
[WinnowPlugin(PluginKind.Model, "my-model", "Flattened sample -> Linear(HiddenUnits)+ReLU -> Linear(FeatureUnits)+ReLU (the features) -> linear head.")]
public sealed class MyModelPlugin : ModelPlugin<MyModelOptions>
{
    protected override Classifier Create(MyModelOptions options, ModelSpec spec)
    {
        if (spec.SampleShape.Length == 0 || spec.SampleShape.Any(d => d <= 0))
            // ParamName "options" would make the host report it under Run:Model:Options; this is about the data, so "spec".
            throw new ArgumentException($"{Name} needs a sample shape with positive dimensions; got [{string.Join(", ", spec.SampleShape)}]", nameof(spec));
        return new TwoLayerNet(Name, options, spec);
    }
}

/// <summary>A two-hidden-layer perceptron whose features are the bottleneck's activation.</summary>
/// <remarks>The engine moves the model to the device, switches train and eval mode, optimises every registered parameter and saves
/// them with the checkpoint; the model only builds its layers and says how a batch goes through them. Initialisation draws from
/// TorchSharp's global generator, which the host seeds, so a run is reproducible. A model that can offer DynaMS's
/// parameter-sharing proxy also implements <see cref="IProxyModel"/>; this one does not, so DynaMS refreshes through it whole.</remarks>
public sealed class TwoLayerNet : Classifier
{
    // Field names become the keys of the saved state ("hidden.weight", "head.bias").
    private readonly Linear hidden;
    private readonly Linear bottleneck;
    private readonly Linear head;

    public TwoLayerNet(string name, MyModelOptions options, ModelSpec spec) : base(name)
    {
        var inputs = spec.SampleShape.Aggregate(1L, (a, d) => checked(a * d));
        hidden = nn.Linear(inputs, options.HiddenUnits);
        bottleneck = nn.Linear(options.HiddenUnits, options.FeatureUnits);
        head = nn.Linear(options.FeatureUnits, spec.ClassCount);
        RegisterComponents();
    }

    public override ClassifierOutput forward(Tensor input)
    {
        // The engine runs every step in a dispose scope of its own, which frees the intermediate tensors.
        var features = nn.functional.relu(bottleneck.call(nn.functional.relu(hidden.call(input.flatten(1)))));
        return new ClassifierOutput(head.call(features), features);
    }
}
