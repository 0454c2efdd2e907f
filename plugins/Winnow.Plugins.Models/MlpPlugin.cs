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
public sealed class MlpPlugin : ModelPlugin<MlpOptions>
{
    protected override Classifier Create(MlpOptions options, ModelSpec spec) => new Mlp(Name, options, spec);
}

/// <summary>A fully connected classifier whose features are the last hidden activation.</summary>
public sealed class Mlp : SlicedClassifier
{
    // Field names become the keys of the saved state ("body.fc0.weight", "head.bias").
    private readonly Sequential body;
    private readonly nn.Module<Tensor, Tensor> dropout;
    private readonly Linear head;

    // The same layers as in body, for the proxy. An array is no module, so RegisterComponents does not register them twice;
    // the proxy reads their parameters on every call, so it follows them when the model moves to another device.
    private readonly Linear[] hidden;
    private readonly double dropoutProbability;

    /// <param name="name">The plugin's name: the module's name, and the model's in messages.</param>
    public Mlp(string name, MlpOptions options, ModelSpec spec) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.SampleShape.Length == 0 || spec.SampleShape.Any(d => d <= 0))
            throw new ArgumentException($"{name} needs a sample shape with positive dimensions; got [{string.Join(", ", spec.SampleShape)}]", nameof(spec));
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.ClassCount, 2, nameof(spec.ClassCount));

        var inputs = spec.SampleShape.Aggregate(1L, (a, d) => checked(a * d));
        body = nn.Sequential();
        hidden = new Linear[options.HiddenLayers];
        dropoutProbability = options.Dropout;
        for (var i = 0; i < options.HiddenLayers; i++)
        {
            // Dropout sits between blocks, not after the last one: the features must be the clean activation
            // (GraNd uses them), and the head gets its own dropout below.
            if (i > 0 && options.Dropout > 0) body.append($"drop{i}", nn.Dropout(options.Dropout));
            hidden[i] = nn.Linear(i == 0 ? inputs : options.HiddenUnits, options.HiddenUnits);
            body.append($"fc{i}", hidden[i]);
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

    /// <summary>DynaMS's parameter-sharing proxy: every hidden layer keeps its first
    /// <c>max(1, round(width · HiddenUnits))</c> units (halves away from zero), read through narrow views of this model's own
    /// weights, and a new head <c>proxy_head</c> (those units → classes) is registered.</summary>
    protected override long ProxyFeatures(double width) => ParameterSharingProxy.SliceWidth(width, hidden[0].weight!.shape[0]);

    protected override Linear Head => head;

    /// <summary>The proxy's forward pass: the same blocks as <see cref="forward"/> on the sliced layers (dropout as in the
    /// model, only in training mode), features <c>[B, units']</c> and logits from <c>proxy_head</c>.</summary>
    protected override ClassifierOutput ForwardProxy(Tensor input, double width, Linear proxyHead)
    {
        var x = input.flatten(1);
        for (var i = 0; i < hidden.Length; i++)
        {
            var units = ParameterSharingProxy.SliceWidth(width, hidden[i].weight!.shape[0]);
            var layerInput = i > 0 ? ParameterSharingProxy.Dropout(x, dropoutProbability, training) : x;
            var next = ParameterSharingProxy.LinearRelu(layerInput, hidden[i], units);
            // Intermediates go now; autograd keeps what backward needs. The caller's input is not ours to dispose.
            if (!ReferenceEquals(layerInput, x)) layerInput.Dispose();
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = next;
        }
        var features = x;
        var headInput = ParameterSharingProxy.Dropout(features, dropoutProbability, training);
        var logits = proxyHead.call(headInput);
        if (!ReferenceEquals(headInput, features)) headInput.Dispose();
        return new ClassifierOutput(logits, features);
    }
}
