using TorchSharp;
using Winnow.Plugins.Models;
using static TorchSharp.torch;

namespace Winnow.Tests.Models;

[TestClass]
public sealed class ModelTests
{
    private const int Classes = 10;

    private static SlicedClassifier Build(string model, long[] sampleShape, int seed = 1)
    {
        torch.manual_seed(seed);
        var spec = new ModelSpec(sampleShape, Classes);
        // Small widths keep the tests fast; the defaults are exercised by the shape tests below.
        return (SlicedClassifier)(model switch
        {
            "mlp" => ((IModelPlugin)new MlpPlugin()).Create(new MlpOptions { HiddenUnits = 32 }, spec),
            "cnn" => ((IModelPlugin)new CnnPlugin()).Create(new CnnOptions { Channels1 = 4, Channels2 = 8, Hidden = 16 }, spec),
            "resnet18" => ((IModelPlugin)new ResNet18Plugin()).Create(new ResNet18Options { Width = 4 }, spec),
            _ => throw new ArgumentException(model),
        });
    }

    [TestMethod]
    [DataRow("mlp", 1L, 28L, 28L, 32L)]
    [DataRow("mlp", 1L, 8L, 8L, 32L)]
    [DataRow("cnn", 1L, 28L, 28L, 16L)]
    [DataRow("cnn", 1L, 8L, 8L, 16L)]
    [DataRow("cnn", 3L, 5L, 7L, 16L)]
    [DataRow("resnet18", 3L, 16L, 16L, 32L)]
    [DataRow("resnet18", 1L, 8L, 8L, 32L)]
    [DataRow("resnet18", 3L, 5L, 7L, 32L)]
    [DataRow("resnet18", 2L, 1L, 1L, 32L)]
    public void OutputsLogitsAndFeaturesPerSample(string model, long c, long h, long w, long featureCount)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build(model, [c, h, w]);
        net.eval();
        var output = net.call(torch.randn(5, c, h, w));

        CollectionAssert.AreEqual(new long[] { 5, Classes }, output.Logits.shape);
        Assert.IsNotNull(output.Features);
        CollectionAssert.AreEqual(new long[] { 5, featureCount }, output.Features.shape);
    }

    /// <summary>Without a graph the cnn pools with element-wise maxima instead of libtorch's slower max-pool (Pooling.cs): the values must
    /// be the same bit for bit, odd sizes included, for the model and its proxy.</summary>
    [TestMethod]
    [DataRow(1L, 28L, 28L)]
    [DataRow(3L, 5L, 7L)]
    [DataRow(2L, 9L, 4L)]
    public void TheCnnGivesTheSameOutputsWithAndWithoutAGraph(long c, long h, long w)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build("cnn", [c, h, w]);
        net.EnableProxy(0.5);
        net.eval();
        var x = torch.randn(6, c, h, w);
        foreach (var proxy in new[] { false, true })
        {
            var withGraph = proxy ? net.ForwardProxy(x) : net.call(x);
            ClassifierOutput withoutGraph;
            using (torch.inference_mode()) withoutGraph = proxy ? net.ForwardProxy(x) : net.call(x);
            Assert.IsTrue(withGraph.Logits.equal(withoutGraph.Logits).all().item<bool>(), $"logits (proxy {proxy})");
            Assert.IsTrue(withGraph.Features!.equal(withoutGraph.Features!).all().item<bool>(), $"features (proxy {proxy})");
        }
    }

    [TestMethod]
    [DataRow("mlp", 256L)]
    [DataRow("cnn", 128L)]
    public void DefaultOptionsBuildOnFashionMnistShape(string model, long featureCount)
    {
        using var scope = torch.NewDisposeScope();
        var spec = new ModelSpec([1, 28, 28], Classes);
        using var net = model == "mlp"
            ? ((IModelPlugin)new MlpPlugin()).Create(new MlpOptions(), spec)
            : ((IModelPlugin)new CnnPlugin()).Create(new CnnOptions(), spec);
        var output = net.call(torch.randn(2, 1, 28, 28));

        CollectionAssert.AreEqual(new long[] { 2, Classes }, output.Logits.shape);
        CollectionAssert.AreEqual(new long[] { 2, featureCount }, output.Features!.shape);
    }

    [TestMethod]
    public void MlpHasOneLinearPerHiddenLayerPlusHead()
    {
        using var net = ((IModelPlugin)new MlpPlugin()).Create(new MlpOptions { HiddenUnits = 8, HiddenLayers = 3, Dropout = 0.2 }, new ModelSpec([4], 3));
        var weights = net.named_parameters().Select(p => p.name).Where(n => n.EndsWith(".weight", StringComparison.Ordinal)).ToArray();
        CollectionAssert.AreEqual(new[] { "body.fc0.weight", "body.fc1.weight", "body.fc2.weight", "head.weight" }, weights);
    }

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    [DataRow("resnet18")]
    public void SameSeedGivesSameModel(string model)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(99);
        var input = torch.randn(3, 1, 8, 8);

        using var first = Build(model, [1, 8, 8], seed: 7);
        using var second = Build(model, [1, 8, 8], seed: 7);
        using var other = Build(model, [1, 8, 8], seed: 8);
        first.eval();
        second.eval();
        other.eval();

        Assert.IsTrue(first.call(input).Logits.equal(second.call(input).Logits).all().item<bool>());
        Assert.IsFalse(first.call(input).Logits.equal(other.call(input).Logits).all().item<bool>());
    }

    [TestMethod]
    [DataRow(new long[] { 784 })]
    [DataRow(new long[] { 28, 28 })]
    [DataRow(new long[] { 1, 3, 28 })]
    [DataRow(new long[] { 1, 1, 28, 28 })]
    public void CnnRefusesShapesItCannotFit(long[] shape)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => ((IModelPlugin)new CnnPlugin()).Create(new CnnOptions(), new ModelSpec(shape, Classes)));
        StringAssert.Contains(error.Message, "cnn");
        StringAssert.Contains(error.Message, $"[{string.Join(", ", shape)}]");
    }

    [TestMethod]
    public void PluginsRefuseOptionsOfAnotherPlugin()
    {
        var spec = new ModelSpec([1, 8, 8], Classes);
        Assert.ThrowsExactly<ArgumentException>(() => ((IModelPlugin)new CnnPlugin()).Create(new MlpOptions(), spec));
        Assert.ThrowsExactly<ArgumentException>(() => ((IModelPlugin)new MlpPlugin()).Create(new NoOptions(), spec));
        Assert.ThrowsExactly<ArgumentException>(() => ((IModelPlugin)new ResNet18Plugin()).Create(new CnnOptions(), spec));
    }

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    [DataRow("resnet18")]
    public void SgdStepsLowerTheLossOnAFixedBatch(string model)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build(model, [1, 8, 8], seed: 3);
        torch.manual_seed(4);
        var inputs = torch.randn(16, 1, 8, 8);
        var targets = torch.randint(0, Classes, [16], dtype: ScalarType.Int64);
        using var optimizer = torch.optim.SGD(net.parameters(), learningRate: 0.1, momentum: 0.9);
        net.train();

        float LossNow()
        {
            using var _ = torch.no_grad();
            return nn.functional.cross_entropy(net.call(inputs).Logits, targets).item<float>();
        }

        var before = LossNow();
        for (var step = 0; step < 30; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(net.call(inputs).Logits, targets).backward();
            optimizer.step();
        }
        var after = LossNow();

        Assert.IsLessThan(before * 0.5f, after, $"loss {before} -> {after}");
    }
}
