using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Winnow.Fixtures.Plugins;

/// <summary>A model that neither gives features nor slices itself: the engine's fallbacks are tested with it.</summary>
[WinnowPlugin(PluginKind.Model, "linear", "Test fixture: one linear layer on the flattened sample, no features, no proxy.")]
public sealed class LinearModelPlugin : ModelPlugin<NoOptions>
{
    protected override Classifier Create(NoOptions options, ModelSpec spec) => new LinearModel(Name, spec);

    private sealed class LinearModel : Classifier
    {
        private readonly Linear layer;

        public LinearModel(string name, ModelSpec spec) : base(name)
        {
            layer = nn.Linear(spec.SampleShape.Aggregate(1L, (a, b) => a * b), spec.ClassCount);
            RegisterComponents();
        }

        public override bool HasFeatures => false;

        public override ClassifierOutput forward(Tensor input) => new(layer.call(input.flatten(1)), null);
    }
}
