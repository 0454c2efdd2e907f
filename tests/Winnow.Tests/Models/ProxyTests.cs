using TorchSharp;
using Winnow.Plugins.Models;
using static TorchSharp.torch;

namespace Winnow.Tests.Models;

/// <summary>DynaMS's parameter-sharing proxy (PSP) of <c>mlp</c>, <c>cnn</c> and <c>resnet18</c> (whose batch norm
/// <see cref="ResNet18Tests"/> covers): shapes, the width rule, shared weights,
/// where gradients go, the cost, joint training and the errors.</summary>
[TestClass]
public sealed class ProxyTests
{
    private const int Classes = 10;

    // Small widths keep the tests fast: mlp 2 x 32 units; cnn 4 and 8 channels, 16 hidden units; resnet18 Width 4 (4 to 32 channels).
    private static SlicedClassifier Build(string model, long[] sampleShape, int seed = 1, double dropout = 0)
    {
        torch.manual_seed(seed);
        var spec = new ModelSpec(sampleShape, Classes);
        return (SlicedClassifier)(model switch
        {
            "mlp" => ((IModelPlugin)new MlpPlugin()).Create(new MlpOptions { HiddenUnits = 32, Dropout = dropout }, spec),
            "cnn" => ((IModelPlugin)new CnnPlugin()).Create(new CnnOptions { Channels1 = 4, Channels2 = 8, Hidden = 16, Dropout = dropout }, spec),
            "resnet18" => ((IModelPlugin)new ResNet18Plugin()).Create(new ResNet18Options { Width = 4 }, spec),
            _ => throw new ArgumentException(model),
        });
    }

    /// <summary>The rule the tests expect, written out independently of the models: max(1, round(w·n)), halves away from zero.</summary>
    private static long Slice(double width, long units) =>
        Math.Max(1L, (long)Math.Round(width * units, MidpointRounding.AwayFromZero));

    private static Tensor Parameter(nn.Module model, string name) =>
        model.named_parameters().Single(p => p.name == name).parameter;

    private static long ElementCount(nn.Module model) => model.parameters().Sum(p => p.numel());

    [TestMethod]
    [DataRow("mlp", 28L, 0.25, 8L)]
    [DataRow("mlp", 28L, 0.5, 16L)]
    [DataRow("mlp", 8L, 0.25, 8L)]
    [DataRow("mlp", 8L, 0.5, 16L)]
    [DataRow("cnn", 28L, 0.25, 4L)]
    [DataRow("cnn", 28L, 0.5, 8L)]
    [DataRow("cnn", 8L, 0.25, 4L)]
    [DataRow("cnn", 8L, 0.5, 8L)]
    [DataRow("resnet18", 16L, 0.25, 8L)]
    [DataRow("resnet18", 8L, 0.5, 16L)]
    public void ProxyGivesLogitsAndSlicedFeatures(string model, long side, double width, long featureCount)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build(model, [1, side, side]);
        Assert.IsTrue(net.EnableProxy(width));
        net.eval();

        var output = net.ForwardProxy(torch.randn(5, 1, side, side));

        CollectionAssert.AreEqual(new long[] { 5, Classes }, output.Logits.shape);
        Assert.IsNotNull(output.Features);
        CollectionAssert.AreEqual(new long[] { 5, featureCount }, output.Features.shape);
        CollectionAssert.AreEqual(new long[] { Classes, featureCount }, Parameter(net, "proxy_head.weight").shape);
    }

    [TestMethod]
    [DataRow(10, 0.25, 3L)] // 2.5: away from zero gives 3 (banker's rounding would give 2)
    [DataRow(6, 0.25, 2L)]  // 1.5 -> 2
    [DataRow(10, 0.05, 1L)] // 0.5 -> 1
    [DataRow(10, 0.01, 1L)] // 0.1 rounds to 0; every layer keeps at least one unit
    [DataRow(10, 1.0, 10L)]
    public void SlicedWidthRoundsHalvesAwayFromZeroAndKeepsOneUnit(int units, double width, long expected)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        using var net = (SlicedClassifier)((IModelPlugin)new MlpPlugin()).Create(new MlpOptions { HiddenUnits = units }, new ModelSpec([4], Classes));
        net.EnableProxy(width);

        Assert.AreEqual(expected, Slice(width, units));
        CollectionAssert.AreEqual(new long[] { 3, expected }, net.ForwardProxy(torch.randn(3, 4)).Features!.shape);
    }

    [TestMethod]
    [DataRow("mlp", "body.fc0.weight")]
    [DataRow("cnn", "conv.conv1.weight")]
    [DataRow("resnet18", "conv1.weight")]
    public void ProxySharesTheModelsWeights(string model, string firstLayer)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build(model, [1, 8, 8]);
        net.EnableProxy(0.25);
        net.eval();
        torch.manual_seed(5);
        var input = torch.randn(4, 1, 8, 8);
        var weight = Parameter(net, firstLayer);
        var sliced = Slice(0.25, weight.shape[0]); // mlp: 8 of 32 units; cnn: 1 of 4 channels

        Tensor ProxyLogits() { using var _ = torch.no_grad(); return net.ForwardProxy(input).Logits.clone(); }
        Tensor ModelLogits() { using var _ = torch.no_grad(); return net.call(input).Logits.clone(); }
        // First input column (mlp) or the centre tap of the first input channel (cnn) of one output unit.
        long[] Element(long row) => weight.dim() == 2 ? [row, 0] : [row, 0, 1, 1];

        var before = ProxyLogits();
        using (torch.no_grad()) weight[Element(sliced - 1)].add_(10.0);
        var afterInside = ProxyLogits();
        Assert.IsFalse(before.allclose(afterInside), "changing a weight inside the slice must change the proxy");

        var modelBefore = ModelLogits();
        using (torch.no_grad()) weight[Element(sliced)].add_(10.0);
        Assert.IsTrue(afterInside.equal(ProxyLogits()).all().item<bool>(), "a weight outside the slice must not reach the proxy");
        Assert.IsFalse(modelBefore.allclose(ModelLogits()), "the change outside the slice must have reached the model");
    }

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    public void ProxyLossTrainsExactlyTheSharedSlicesAndItsOwnHead(string model)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build(model, [1, 8, 8]);
        net.EnableProxy(0.25);
        net.train();
        torch.manual_seed(6);
        var inputs = torch.randn(32, 1, 8, 8);
        var targets = torch.randint(0, Classes, [32], dtype: ScalarType.Int64);

        nn.functional.cross_entropy(net.ForwardProxy(inputs).Logits, targets).backward();

        // The block of every shared weight the proxy reads: [out', in'] (the kernel of a convolution whole).
        var blocks = model == "mlp"
            ? new (string Name, long[] Block)[]
            {
                ("body.fc0.weight", [8, 64]),  // 8 of 32 units, all 64 inputs (the data are not sliced)
                ("body.fc0.bias", [8]),
                ("body.fc1.weight", [8, 8]),
                ("body.fc1.bias", [8]),
            }
            : new (string Name, long[] Block)[]
            {
                ("conv.conv1.weight", [1, 1, 3, 3]), // 1 of 4 channels, the one input channel
                ("conv.conv1.bias", [1]),
                ("conv.conv2.weight", [2, 1, 3, 3]), // 2 of 8 channels, reading conv1's 1
                ("conv.conv2.bias", [2]),
                ("fc.fc1.weight", [4, 2 * 2 * 2]),  // 4 of 16 units; channel-major flattening: 2 channels x 2 x 2 pixels first
                ("fc.fc1.bias", [4]),
            };
        foreach (var (name, block) in blocks)
        {
            var grad = Parameter(net, name).grad;
            Assert.IsNotNull(grad, name);
            var inside = grad.clone();
            for (var d = 0; d < block.Length; d++) inside = inside.narrow(d, 0, block[d]);
            var outside = grad.abs().clone();
            var view = outside;
            for (var d = 0; d < block.Length; d++) view = view.narrow(d, 0, block[d]);
            view.zero_();
            Assert.AreEqual(0.0, outside.sum().item<float>(), $"{name}: gradient outside the sliced block");
            Assert.IsGreaterThan(0L, inside.count_nonzero().item<long>(), $"{name}: no gradient inside the sliced block");
        }

        // Every kept unit of the first layer gets gradient.
        var first = Parameter(net, blocks[0].Name).grad!.narrow(0, 0, blocks[0].Block[0]).flatten(1).abs().sum(1);
        Assert.IsTrue(first.gt(0).all().item<bool>(), $"first layer: {first.str()}");

        Assert.IsGreaterThan(0L, Parameter(net, "proxy_head.weight").grad!.count_nonzero().item<long>());
        Assert.IsGreaterThan(0L, Parameter(net, "proxy_head.bias").grad!.count_nonzero().item<long>());
        Assert.IsNull(Parameter(net, "head.weight").grad, "the model's head is not part of the proxy");
        Assert.IsNull(Parameter(net, "head.bias").grad, "the model's head is not part of the proxy");
    }

    [TestMethod]
    [DataRow("mlp", 28L)]
    [DataRow("cnn", 28L)]
    [DataRow("cnn", 8L)]
    [DataRow("resnet18", 8L)]
    public void FullWidthProxyWithTheModelsHeadIsTheModel(string model, long side)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build(model, [1, side, side]);
        net.EnableProxy(1.0);
        using (torch.no_grad())
        {
            Parameter(net, "proxy_head.weight").copy_(Parameter(net, "head.weight"));
            Parameter(net, "proxy_head.bias").copy_(Parameter(net, "head.bias"));
        }
        net.eval();
        var input = torch.randn(6, 1, side, side);

        using var _ = torch.no_grad();
        var full = net.call(input);
        var proxy = net.ForwardProxy(input);

        Assert.IsTrue(full.Logits.allclose(proxy.Logits, rtol: 1e-5, atol: 1e-6));
        Assert.IsTrue(full.Features!.allclose(proxy.Features!, rtol: 1e-5, atol: 1e-6));
    }

    [TestMethod]
    [DataRow("mlp", 8L, new[] { "body.fc0.weight", "body.fc0.bias", "body.fc1.weight", "body.fc1.bias", "head.weight", "head.bias" })]
    [DataRow("cnn", 4L, new[] { "conv.conv1.weight", "conv.conv1.bias", "conv.conv2.weight", "conv.conv2.bias", "fc.fc1.weight", "fc.fc1.bias", "head.weight", "head.bias" })]
    public void ProxyHeadIsRegisteredWithTheModelsParameters(string model, long featureCount, string[] modelNames)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build(model, [1, 8, 8]);
        // The layers the proxy keeps references to are not registered a second time.
        CollectionAssert.AreEqual(modelNames, net.named_parameters().Select(p => p.name).ToArray());
        var tensors = net.parameters().Count();
        var elements = ElementCount(net);

        net.EnableProxy(0.25);

        CollectionAssert.AreEqual(modelNames.Append("proxy_head.weight").Append("proxy_head.bias").ToArray(),
            net.named_parameters().Select(p => p.name).ToArray());
        Assert.AreEqual(tensors + 2, net.parameters().Count());
        Assert.AreEqual(elements + featureCount * Classes + Classes, ElementCount(net));
        CollectionAssert.IsSubsetOf(new[] { "proxy_head.weight", "proxy_head.bias" }, net.state_dict().Keys.ToArray());
        Assert.IsTrue(Parameter(net, "proxy_head.weight").requires_grad);
    }

    /// <summary>A forward through the proxy of the default cnn at w = 0.25 on 28x28 costs about w² of the model's.</summary>
    /// <remarks>
    /// Multiply-adds, counted from the layer shapes: a 3x3 convolution with padding 1 on an <c>H x W</c> map costs
    /// <c>out · in · 9 · H · W</c> (the size is kept; each 2x2 pool halves it); a linear layer costs <c>in · out</c>.
    /// The model: conv1 on 28x28, conv2 on 14x14, fc1 on <c>c2 · 7 · 7</c> inputs, head. The proxy: the same with every
    /// width sliced, except the data's one input channel; so conv1 scales with w, not w², which is why a small network
    /// exceeds w² and the default one (where conv2 dominates) is used here. The proxy's widths are read off the model
    /// itself, as the extent of the gradient a proxy loss leaves in each shared weight, and checked against the rule.
    /// </remarks>
    [TestMethod]
    public void ProxyCostsAboutWidthSquaredOfTheModel()
    {
        using var scope = torch.NewDisposeScope();
        const double width = 0.25;
        torch.manual_seed(1);
        var options = new CnnOptions();
        using var net = (SlicedClassifier)((IModelPlugin)new CnnPlugin()).Create(options, new ModelSpec([1, 28, 28], Classes));
        net.EnableProxy(width);
        net.train();
        torch.manual_seed(2);
        var inputs = torch.randn(32, 1, 28, 28);
        var targets = torch.randint(0, Classes, [32], dtype: ScalarType.Int64);
        var proxy = net.ForwardProxy(inputs);
        nn.functional.cross_entropy(proxy.Logits, targets).backward();

        // How far along dimension d the gradient reaches: the last index with a non-zero entry, plus one.
        long Extent(string name, int d)
        {
            var grad = Parameter(net, name).grad!;
            var dims = Enumerable.Range(0, (int)grad.dim()).Where(i => i != d).Select(i => (long)i).ToArray();
            var used = grad.abs().sum(dims).nonzero();
            return used.max().item<long>() + 1;
        }
        long c1 = Extent("conv.conv1.weight", 0), c2 = Extent("conv.conv2.weight", 0), hidden = Extent("fc.fc1.weight", 0);
        Assert.AreEqual(Slice(width, options.Channels1), c1);
        Assert.AreEqual(Slice(width, options.Channels2), c2);
        Assert.AreEqual(Slice(width, options.Hidden), hidden);
        Assert.AreEqual(c1, Extent("conv.conv2.weight", 1));
        Assert.AreEqual(c2 * 7 * 7, Extent("fc.fc1.weight", 1));
        Assert.AreEqual(hidden, proxy.Features!.shape[1]);

        static double MultiplyAdds(long channels1, long channels2, long units) =>
            channels1 * 1 * 9 * 28 * 28      // conv1: 1 input channel -> channels1, on 28x28
            + channels2 * channels1 * 9 * 14 * 14 // conv2 on 14x14
            + channels2 * 7 * 7 * units      // fc1
            + units * Classes;               // head
        var ratio = MultiplyAdds(c1, c2, hidden) / MultiplyAdds(options.Channels1, options.Channels2, options.Hidden);

        Assert.IsInRange(0.8 * width * width, 1.3 * width * width, ratio);
    }

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    [DataRow("resnet18")]
    public void JointSgdStepsLowerTheLossesOfModelAndProxy(string model)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build(model, [1, 8, 8], seed: 3);
        net.EnableProxy(0.25);
        torch.manual_seed(4);
        var inputs = torch.randn(16, 1, 8, 8);
        var targets = torch.randint(0, Classes, [16], dtype: ScalarType.Int64);
        // Built after EnableProxy, as the engine does, so the proxy head is trained too.
        using var optimizer = torch.optim.SGD(net.parameters(), learningRate: 0.1, momentum: 0.9);
        net.train();

        (float Model, float Proxy) LossesNow()
        {
            using var _ = torch.no_grad();
            return (nn.functional.cross_entropy(net.call(inputs).Logits, targets).item<float>(),
                nn.functional.cross_entropy(net.ForwardProxy(inputs).Logits, targets).item<float>());
        }

        var before = LossesNow();
        for (var step = 0; step < 30; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(net.call(inputs).Logits, targets)
                + 1.0 * nn.functional.cross_entropy(net.ForwardProxy(inputs).Logits, targets);
            loss.backward();
            optimizer.step();
        }
        var after = LossesNow();

        Assert.IsLessThan(before.Model * 0.5f, after.Model, $"model loss {before.Model} -> {after.Model}");
        Assert.IsLessThan(before.Proxy * 0.8f, after.Proxy, $"proxy loss {before.Proxy} -> {after.Proxy}");
    }

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    public void ProxyDropoutActsOnlyInTrainingMode(string model)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build(model, [1, 8, 8], dropout: 0.5);
        net.EnableProxy(0.5);
        var input = torch.randn(8, 1, 8, 8);
        using var _ = torch.no_grad();

        net.eval();
        Assert.IsTrue(net.ForwardProxy(input).Logits.equal(net.ForwardProxy(input).Logits).all().item<bool>());
        net.train();
        Assert.IsFalse(net.ForwardProxy(input).Logits.equal(net.ForwardProxy(input).Logits).all().item<bool>());
    }

    [TestMethod]
    [DataRow("mlp", 0.0)]
    [DataRow("mlp", -0.25)]
    [DataRow("mlp", 1.0001)]
    [DataRow("mlp", double.NaN)]
    [DataRow("cnn", 0.0)]
    [DataRow("cnn", 2.0)]
    [DataRow("cnn", double.PositiveInfinity)]
    [DataRow("resnet18", 0.0)]
    [DataRow("resnet18", -0.1)]
    [DataRow("resnet18", 1.5)]
    [DataRow("resnet18", double.NaN)]
    public void EnableProxyRefusesWidthsOutsideZeroToOne(string model, double width)
    {
        using var net = Build(model, [1, 8, 8]);
        var tensors = net.parameters().Count();

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => net.EnableProxy(width));
        Assert.AreEqual(tensors, net.parameters().Count());
        Assert.ThrowsExactly<InvalidOperationException>(() => net.ForwardProxy(torch.randn(1, 1, 8, 8)));
    }

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    [DataRow("resnet18")]
    public void EnableProxyHappensOnce(string model)
    {
        using var net = Build(model, [1, 8, 8]);
        Assert.IsTrue(net.EnableProxy(0.25));
        var tensors = net.parameters().Count();

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => net.EnableProxy(0.5));
        StringAssert.Contains(error.Message, "already enabled");
        Assert.IsTrue(net.EnableProxy(0.25), "the same width again changes nothing");
        Assert.AreEqual(tensors, net.parameters().Count());
    }

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    [DataRow("resnet18")]
    public void ForwardProxyBeforeEnableProxyThrows(string model)
    {
        using var net = Build(model, [1, 8, 8]);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => net.ForwardProxy(torch.randn(1, 1, 8, 8)));
        StringAssert.Contains(error.Message, model);
        StringAssert.Contains(error.Message, "EnableProxy");
    }
}
