using MyModel;
using Winnow;
using static TorchSharp.torch;

namespace MyModel.Tests;

/// <summary>The model's shapes, its parameters and its reproducible initialisation.</summary>
[TestClass]
public sealed class MyModelTests
{
    private static Classifier Create(MyModelOptions options, long[] shape, int classes = 10) =>
        ((IModelPlugin)new MyModelPlugin()).Create(options, new ModelSpec(shape, classes));

    [TestMethod]
    public void ABatchGivesLogitsPerClassAndFeaturesOfTheBottlenecksWidth()
    {
        using var model = Create(new MyModelOptions { HiddenUnits = 16, FeatureUnits = 8 }, [1, 28, 28]);
        var output = model.call(randn(5, 1, 28, 28));

        CollectionAssert.AreEqual(new long[] { 5, 10 }, output.Logits.shape);
        CollectionAssert.AreEqual(new long[] { 5, 8 }, output.Features!.shape);
        Assert.IsTrue(output.Features.min().item<float>() >= 0, "the features are a ReLU's output");
    }

    [TestMethod]
    public void EveryLayerIsRegisteredSoTheEngineTrainsAndSavesIt()
    {
        using var model = Create(new MyModelOptions { HiddenUnits = 4, FeatureUnits = 3 }, [2, 3]);
        // 6·4 + 4, 4·3 + 3, 3·10 + 10
        Assert.AreEqual(28 + 15 + 40, model.parameters().Sum(p => p.numel()));
    }

    [TestMethod]
    public void TheSameSeedBuildsTheSameModel()
    {
        manual_seed(3);
        using var first = Create(new MyModelOptions(), [4]);
        manual_seed(3);
        using var second = Create(new MyModelOptions(), [4]);

        foreach (var (a, b) in first.parameters().Zip(second.parameters()))
            CollectionAssert.AreEqual(a.data<float>().ToArray(), b.data<float>().ToArray());
    }

    [TestMethod]
    public void AnEmptySampleShapeIsRefused() =>
        Assert.ThrowsExactly<ArgumentException>(() => Create(new MyModelOptions(), []));
}
