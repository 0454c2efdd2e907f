using System.ComponentModel.DataAnnotations;
using TorchSharp;
using Winnow.Plugins.Models;
using static TorchSharp.torch;

namespace Winnow.Tests.Models;

/// <summary>The <c>resnet18</c> model (CIFAR variant) and its parameter-sharing proxy: architecture, initialisation, batch norm
/// in both modes, and the proxy's slices of convolutions, batch-norm parameters and running statistics.</summary>
[TestClass]
public sealed class ResNet18Tests
{
    private const int Classes = 10;

    // Tiny widths keep the tests fast: Width 4 has stages of 4, 8, 16 and 32 channels.
    private static SlicedClassifier Build(long[] sampleShape, int width = 4, int seed = 1)
    {
        torch.manual_seed(seed);
        return (SlicedClassifier)((IModelPlugin)new ResNet18Plugin()).Create(new ResNet18Options { Width = width }, new ModelSpec(sampleShape, Classes));
    }

    /// <summary>The width rule written out independently of the model: max(1, round(w·n)), halves away from zero.</summary>
    private static long Slice(double width, long units) =>
        Math.Max(1L, (long)Math.Round(width * units, MidpointRounding.AwayFromZero));

    private static Tensor Parameter(nn.Module model, string name) =>
        model.named_parameters().Single(p => p.name == name).parameter;

    /// <summary>Same shape and the same values, exactly.</summary>
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor Buffer(nn.Module model, string name) =>
        model.named_buffers().Single(b => b.name == name).buffer;

    /// <summary>A few training-mode passes, so the running statistics are no longer their initial 0 and 1.</summary>
    private static void GatherRunningStatistics(Classifier net, long[] sampleShape)
    {
        net.train();
        using var _ = torch.no_grad();
        for (var i = 0; i < 3; i++)
        {
            using var scope = torch.NewDisposeScope();
            net.call(torch.randn([8, .. sampleShape]) * 2 + 1);
        }
    }

    [TestMethod]
    [DataRow(3L, 16L, 16L, 4)]
    [DataRow(1L, 8L, 8L, 8)]
    public void GivesLogitsAndPooledFeatures(long c, long h, long w, int width)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([c, h, w], width);
        net.train();

        var output = net.call(torch.randn(2, c, h, w));

        CollectionAssert.AreEqual(new long[] { 2, Classes }, output.Logits.shape);
        Assert.IsTrue(net.HasFeatures);
        CollectionAssert.AreEqual(new long[] { 2, 8L * width }, output.Features!.shape);
        // The features are the pooled output of a ReLU: non-negative.
        Assert.IsTrue(output.Features.ge(0).all().item<bool>());
    }

    /// <summary>Counted by hand from the architecture: a k x k convolution without bias has <c>in · out · k²</c> weights, a batch
    /// norm 2 per channel, a block two 3x3 convolutions and batch norms plus, where the shape changes, a 1x1 convolution and batch
    /// norm. Width 64 on CIFAR gives the well-known 11,173,962.</summary>
    [TestMethod]
    [DataRow(4, 3L, 10, 44_622L)]
    [DataRow(2, 1L, 5, 11_299L)]
    [DataRow(64, 3L, 10, 11_173_962L)]
    public void ParameterCountFollowsTheArchitecture(int width, long channels, int classes, long expected)
    {
        static long Conv(long i, long o, long k) => i * o * k * k;
        static long Norm(long c) => 2 * c;
        static long Block(long i, long o) => Conv(i, o, 3) + Norm(o) + Conv(o, o, 3) + Norm(o) + (i != o ? Conv(i, o, 1) + Norm(o) : 0);
        long w = width;
        var formula = Conv(channels, w, 3) + Norm(w)
            + Block(w, w) + Block(w, w)
            + Block(w, 2 * w) + Block(2 * w, 2 * w)
            + Block(2 * w, 4 * w) + Block(4 * w, 4 * w)
            + Block(4 * w, 8 * w) + Block(8 * w, 8 * w)
            + 8 * w * classes + classes;
        Assert.AreEqual(expected, formula, "the hand count");

        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        using var net = ((IModelPlugin)new ResNet18Plugin()).Create(new ResNet18Options { Width = width }, new ModelSpec([channels, 32, 32], classes));

        Assert.AreEqual(expected, net.parameters().Sum(p => p.numel()));
    }

    [TestMethod]
    public void StateKeysAreClean()
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([3, 8, 8]);
        var parameters = net.named_parameters().Select(p => p.name).ToArray();
        var state = net.state_dict().Keys.ToArray();

        // Stem 3, eight blocks of 6, three projection shortcuts of 3, head 2; none registered twice.
        Assert.AreEqual(3 + 8 * 6 + 3 * 3 + 2, parameters.Length);
        Assert.AreEqual(parameters.Length, parameters.Distinct().Count());
        CollectionAssert.IsSubsetOf(new[]
        {
            "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
            "layer1.0.conv1.weight", "layer1.1.bn2.bias", "layer2.0.shortcut.conv.weight", "layer2.0.shortcut.bn.running_var",
            "layer4.1.conv2.weight", "head.weight", "head.bias",
        }, state);
        // Shortcuts only where the shape changes; convolutions have no bias (batch norm follows).
        CollectionAssert.AreEquivalent(new[] { "layer2.0.shortcut.conv.weight", "layer3.0.shortcut.conv.weight", "layer4.0.shortcut.conv.weight" },
            parameters.Where(n => n.Contains("shortcut.conv", StringComparison.Ordinal)).ToArray());
        Assert.IsFalse(parameters.Any(n => n.Contains("conv", StringComparison.Ordinal) && n.EndsWith(".bias", StringComparison.Ordinal)));
    }

    /// <summary>torchvision's initialisation: convolutions N(0, 2 / fan_out) with fan_out = out · k², batch norm 1 and 0.
    /// PyTorch's default for a convolution (Kaiming uniform, a = √5) would have std 1/√(3 · fan_in), less than half of it here.</summary>
    [TestMethod]
    public void InitialisationIsKaimingNormalFanOut()
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([3, 8, 8], width: 16);

        var weight = Parameter(net, "layer4.1.conv2.weight"); // 128 x 128 x 3 x 3: 147,456 draws
        var expectedStd = Math.Sqrt(2.0 / (128 * 9));
        Assert.AreEqual(expectedStd, weight.std().item<float>(), 0.02 * expectedStd);
        Assert.AreEqual(0.0, weight.mean().item<float>(), 0.02 * expectedStd);
        var shortcut = Parameter(net, "layer4.0.shortcut.conv.weight"); // 1x1: fan_out = 128
        Assert.AreEqual(Math.Sqrt(2.0 / 128), shortcut.std().item<float>(), 0.05 * Math.Sqrt(2.0 / 128));

        foreach (var (name, parameter) in net.named_parameters().Where(p => p.name.Contains("bn", StringComparison.Ordinal)))
        {
            var expected = name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f;
            Assert.IsTrue(parameter.eq(expected).all().item<bool>(), name);
        }
    }

    [TestMethod]
    public void SameSeedGivesTheSameModelAndAnotherSeedAnother()
    {
        using var scope = torch.NewDisposeScope();
        using var first = Build([3, 8, 8], seed: 7);
        using var second = Build([3, 8, 8], seed: 7);
        using var other = Build([3, 8, 8], seed: 8);

        foreach (var (name, parameter) in first.named_parameters())
            Assert.IsTrue(Same(parameter, Parameter(second, name)), name);
        Assert.IsFalse(Same(Parameter(first, "layer3.1.conv1.weight"), Parameter(other, "layer3.1.conv1.weight")));
    }

    [TestMethod]
    public void TrainingModeUsesBatchStatisticsAndEvaluationIsDeterministicPerSample()
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([3, 8, 8]);
        torch.manual_seed(2);
        var input = torch.randn(4, 3, 8, 8);
        using var _ = torch.no_grad();

        net.train();
        var trained = net.call(input).Logits;
        var runningMean = Buffer(net, "bn1.running_mean");
        Assert.IsGreaterThan(0L, runningMean.count_nonzero().item<long>(), "a training pass updates the running statistics");
        Assert.AreEqual(1L, Buffer(net, "bn1.num_batches_tracked").item<long>());

        net.eval();
        var evaluated = net.call(input).Logits;
        Assert.IsFalse(trained.allclose(evaluated), "batch statistics (train) and running statistics (eval) differ");
        Assert.IsTrue(Same(evaluated, net.call(input).Logits), "evaluation is deterministic");
        Assert.IsTrue(evaluated.narrow(0, 0, 2).allclose(net.call(input.narrow(0, 0, 2)).Logits, rtol: 1e-4, atol: 1e-5),
            "evaluation does not depend on the rest of the batch");
        Assert.AreEqual(1L, Buffer(net, "bn1.num_batches_tracked").item<long>(), "evaluation leaves the statistics alone");
    }

    [TestMethod]
    [DataRow(new long[] { 3, 32 })]
    [DataRow(new long[] { 3, 0, 8 })]
    [DataRow(new long[] { 1, 3, 8, 8 })]
    public void RefusesShapesItCannotFit(long[] shape)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => ((IModelPlugin)new ResNet18Plugin()).Create(new ResNet18Options { Width = 4 }, new ModelSpec(shape, Classes)));
        StringAssert.Contains(error.Message, "resnet18");
        StringAssert.Contains(error.Message, $"[{string.Join(", ", shape)}]");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(513)]
    public void RefusesWidthsOutOfRange(int width)
    {
        var error = Assert.ThrowsExactly<ValidationException>(() =>
            ((IModelPlugin)new ResNet18Plugin()).Create(new ResNet18Options { Width = width }, new ModelSpec([3, 8, 8], Classes)));
        StringAssert.Contains(error.Message, "resnet18");
        Assert.AreEqual(64, new ResNet18Options().Width);
    }

    // ---- The parameter-sharing proxy ----

    [TestMethod]
    [DataRow(3L, 16L, 0.25, 16L)]
    [DataRow(3L, 16L, 0.5, 32L)]
    [DataRow(1L, 8L, 0.25, 16L)]
    [DataRow(1L, 8L, 0.1, 6L)] // 6.4 -> 6
    public void ProxyGivesLogitsAndSlicedFeatures(long channels, long side, double width, long featureCount)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([channels, side, side], width: 8); // 64 features
        Assert.IsTrue(net.EnableProxy(width));
        net.train();

        var output = net.ForwardProxy(torch.randn(2, channels, side, side));

        CollectionAssert.AreEqual(new long[] { 2, Classes }, output.Logits.shape);
        CollectionAssert.AreEqual(new long[] { 2, featureCount }, output.Features!.shape);
        CollectionAssert.AreEqual(new long[] { Classes, featureCount }, Parameter(net, "proxy_head.weight").shape);
        Assert.IsTrue(output.Features.ge(0).all().item<bool>());
    }

    [TestMethod]
    public void ProxyHeadIsRegisteredOnce()
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([3, 8, 8]);
        var names = net.named_parameters().Select(p => p.name).ToArray();
        var elements = net.parameters().Sum(p => p.numel());

        Assert.IsTrue(net.EnableProxy(0.5));
        Assert.IsTrue(net.EnableProxy(0.5));

        CollectionAssert.AreEqual(names.Append("proxy_head.weight").Append("proxy_head.bias").ToArray(),
            net.named_parameters().Select(p => p.name).ToArray());
        Assert.AreEqual(elements + 16 * Classes + Classes, net.parameters().Sum(p => p.numel()));
        Assert.ThrowsExactly<InvalidOperationException>(() => net.EnableProxy(0.25));
    }

    /// <summary>A change inside the slice of a shared parameter reaches the proxy; one outside it reaches only the model.</summary>
    [TestMethod]
    [DataRow("conv1.weight")]
    [DataRow("layer3.0.conv2.weight")]
    [DataRow("layer2.0.shortcut.conv.weight")]
    [DataRow("layer1.1.bn1.weight")]
    [DataRow("layer4.1.bn2.bias")]
    public void ProxySharesTheModelsWeights(string name)
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([3, 8, 8]);
        net.EnableProxy(0.5);
        net.eval();
        torch.manual_seed(5);
        var input = torch.randn(4, 3, 8, 8);
        var parameter = Parameter(net, name);
        var sliced = Slice(0.5, parameter.shape[0]);

        Tensor ProxyLogits() { using var _ = torch.no_grad(); return net.ForwardProxy(input).Logits.clone(); }
        Tensor ModelLogits() { using var _ = torch.no_grad(); return net.call(input).Logits.clone(); }
        // The first input channel (always kept) of one output channel; the centre tap of a 3x3 kernel.
        long[] Element(long channel) => parameter.dim() switch
        {
            1 => [channel],
            _ => [channel, 0, parameter.shape[2] / 2, parameter.shape[3] / 2],
        };

        var before = ProxyLogits();
        using (torch.no_grad()) parameter[Element(sliced - 1)].add_(10.0);
        var afterInside = ProxyLogits();
        Assert.IsFalse(before.allclose(afterInside), "changing a parameter inside the slice must change the proxy");

        var modelBefore = ModelLogits();
        using (torch.no_grad()) parameter[Element(sliced)].add_(10.0);
        Assert.IsTrue(Same(afterInside, ProxyLogits()), "a parameter outside the slice must not reach the proxy");
        Assert.IsFalse(modelBefore.allclose(ModelLogits()), "the change outside the slice must have reached the model");
    }

    /// <summary>A proxy loss leaves gradient in every shared parameter, only in its sliced block: output channels sliced, input
    /// channels sliced too except the stem's (the data are not sliced); batch-norm weight and bias sliced.</summary>
    [TestMethod]
    public void ProxyLossTrainsExactlyTheSharedSlicesAndItsOwnHead()
    {
        using var scope = torch.NewDisposeScope();
        const double width = 0.5;
        using var net = Build([3, 16, 16]);
        net.EnableProxy(width);
        net.train();
        torch.manual_seed(6);
        var inputs = torch.randn(4, 3, 16, 16);
        var targets = torch.randint(0, Classes, [4], dtype: ScalarType.Int64);

        nn.functional.cross_entropy(net.ForwardProxy(inputs).Logits, targets).backward();

        var shared = net.named_parameters().Where(p => !p.name.Contains("head", StringComparison.Ordinal)).ToArray();
        Assert.AreEqual(3 + 8 * 6 + 3 * 3, shared.Length);
        foreach (var (name, parameter) in shared)
        {
            var shape = parameter.shape;
            long[] block = shape.Length == 1
                ? [Slice(width, shape[0])]
                : [Slice(width, shape[0]), name == "conv1.weight" ? shape[1] : Slice(width, shape[1]), shape[2], shape[3]];
            var grad = parameter.grad;
            Assert.IsNotNull(grad, name);
            var inside = grad;
            for (var d = 0; d < block.Length; d++) inside = inside.narrow(d, 0, block[d]);
            var outside = grad.abs().clone();
            var view = outside;
            for (var d = 0; d < block.Length; d++) view = view.narrow(d, 0, block[d]);
            view.zero_();
            Assert.AreEqual(0.0, outside.sum().item<float>(), $"{name}: gradient outside the sliced block {string.Join("x", block)}");
            Assert.IsGreaterThan(0L, inside.count_nonzero().item<long>(), $"{name}: no gradient inside the sliced block");
        }

        Assert.IsGreaterThan(0L, Parameter(net, "proxy_head.weight").grad!.count_nonzero().item<long>());
        Assert.IsNull(Parameter(net, "head.weight").grad, "the model's head is not part of the proxy");
    }

    [TestMethod]
    public void ProxyInTrainingModeLeavesTheModelsRunningStatisticsAlone()
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([3, 8, 8]);
        net.EnableProxy(0.5);
        GatherRunningStatistics(net, [3, 8, 8]);
        var before = net.named_buffers().ToDictionary(b => b.name, b => b.buffer.clone());
        Assert.AreEqual(20 * 3, before.Count, "20 batch norms, 3 buffers each");
        torch.manual_seed(7);
        var inputs = torch.randn(4, 3, 8, 8) * 3 - 1;
        var targets = torch.randint(0, Classes, [4], dtype: ScalarType.Int64);

        net.train();
        nn.functional.cross_entropy(net.ForwardProxy(inputs).Logits, targets).backward();

        foreach (var (name, buffer) in net.named_buffers())
            Assert.IsTrue(Same(buffer, before[name]), $"{name} changed by a proxy pass");

        // The control: the model's own training pass does move them.
        using (torch.no_grad()) net.call(inputs);
        Assert.IsFalse(Same(Buffer(net, "bn1.running_mean"), before["bn1.running_mean"]));
        Assert.IsFalse(Same(Buffer(net, "layer4.1.bn2.running_var"), before["layer4.1.bn2.running_var"]));
    }

    /// <summary>In evaluation mode the proxy normalises with the shared running statistics (sliced): a sample's output does not
    /// depend on the rest of the batch, and the statistics inside the slice matter while those outside do not.</summary>
    [TestMethod]
    public void ProxyInEvaluationModeUsesTheSlicedRunningStatistics()
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([3, 16, 16]);
        net.EnableProxy(0.5);
        GatherRunningStatistics(net, [3, 16, 16]);
        torch.manual_seed(8);
        var input = torch.randn(4, 3, 16, 16);
        using var _ = torch.no_grad();

        // The control: with batch statistics the first two samples' outputs depend on the other two.
        net.train();
        Assert.IsFalse(net.ForwardProxy(input).Logits.narrow(0, 0, 2).allclose(net.ForwardProxy(input.narrow(0, 0, 2)).Logits, rtol: 1e-4, atol: 1e-5));

        net.eval();
        var whole = net.ForwardProxy(input).Logits.clone();
        Assert.IsTrue(whole.narrow(0, 0, 2).allclose(net.ForwardProxy(input.narrow(0, 0, 2)).Logits, rtol: 1e-4, atol: 1e-5));
        Assert.IsTrue(Same(whole, net.ForwardProxy(input).Logits));

        var mean = Buffer(net, "layer1.0.bn1.running_mean"); // 4 channels, 2 in the slice
        mean[2].add_(5.0);
        Assert.IsTrue(Same(whole, net.ForwardProxy(input).Logits), "statistics outside the slice must not matter");
        mean[1].add_(5.0);
        Assert.IsFalse(whole.allclose(net.ForwardProxy(input).Logits), "statistics inside the slice must matter");
    }

    /// <summary>At width 1 with the model's head the proxy is the model: in evaluation mode (running statistics) and in training
    /// mode (batch statistics; the model's pass updates the running statistics, the proxy's does not, neither affects the output).</summary>
    [TestMethod]
    public void FullWidthProxyWithTheModelsHeadIsTheModel()
    {
        using var scope = torch.NewDisposeScope();
        using var net = Build([3, 8, 8]);
        net.EnableProxy(1.0);
        using (torch.no_grad())
        {
            Parameter(net, "proxy_head.weight").copy_(Parameter(net, "head.weight"));
            Parameter(net, "proxy_head.bias").copy_(Parameter(net, "head.bias"));
        }
        GatherRunningStatistics(net, [3, 8, 8]);
        torch.manual_seed(9);
        var input = torch.randn(4, 3, 8, 8);
        using var _ = torch.no_grad();

        foreach (var training in new[] { false, true })
        {
            net.train(training);
            var full = net.call(input);
            var proxy = net.ForwardProxy(input);
            Assert.IsTrue(full.Logits.allclose(proxy.Logits, rtol: 1e-4, atol: 1e-5), $"logits, training {training}");
            Assert.IsTrue(full.Features!.allclose(proxy.Features!, rtol: 1e-4, atol: 1e-5), $"features, training {training}");
        }
    }
}
