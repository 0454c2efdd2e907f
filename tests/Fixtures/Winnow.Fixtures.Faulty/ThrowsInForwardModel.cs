using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Winnow.Fixtures;

/// <summary>A model whose forward pass throws on its 20th training batch (epoch 2 of the tests' 400 samples in batches of 32):
/// the engine must name the model plugin and the epoch, and keep epoch 1's checkpoint.</summary>
[WinnowPlugin(PluginKind.Model, "throws-in-forward", "Test fixture: one linear layer whose forward pass throws on the 20th training batch.")]
public sealed class ThrowsInForwardModelPlugin : ModelPlugin<NoOptions>
{
    public const int FailingTrainingCall = 20;

    protected override Classifier Create(NoOptions options, ModelSpec spec) => new Model(Name, spec);

    private sealed class Model : Classifier
    {
        private readonly Linear layer;
        private int _trainingCalls;

        public Model(string name, ModelSpec spec) : base(name)
        {
            layer = nn.Linear(spec.SampleShape.Aggregate(1L, (a, b) => a * b), spec.ClassCount);
            RegisterComponents();
        }

        public override bool HasFeatures => false;

        public override ClassifierOutput forward(Tensor input)
        {
            if (training && ++_trainingCalls == FailingTrainingCall) throw new InvalidOperationException("fixture: forward fails");
            return new(layer.call(input.flatten(1)), null);
        }
    }
}
