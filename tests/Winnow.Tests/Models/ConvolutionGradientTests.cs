using TorchSharp;
using Winnow.Plugins.Models;
using static TorchSharp.torch;

namespace Winnow.Tests.Models;

/// <summary>The gradients of the convolutional models, in float32 as they train, against the same model in float64, which libtorch
/// computes without oneDNN. libtorch 2.10's oneDNN returns a wrong input gradient for convolutions whose output channels are not
/// a multiple of 16; the models route around it (plugins/Winnow.Plugins.Models/Convolution.cs), and these tests fail without that.</summary>
[TestClass]
public sealed class ConvolutionGradientTests
{
    private static SlicedClassifier Build(string model, int channels, ScalarType dtype)
    {
        torch.manual_seed(3);
        var spec = new ModelSpec([3, 16, 16], 5);
        var net = (SlicedClassifier)(model == "cnn"
            ? ((IModelPlugin)new CnnPlugin()).Create(new CnnOptions { Channels1 = channels, Channels2 = channels + 1, Hidden = 16 }, spec)
            : ((IModelPlugin)new ResNet18Plugin()).Create(new ResNet18Options { Width = channels }, spec));
        net.EnableProxy(0.25);
        net.to(dtype);
        net.train();
        return net;
    }

    /// <summary>d loss / d input and d loss / d every parameter, as float64.</summary>
    private static List<Tensor> Gradients(SlicedClassifier net, Tensor input, Tensor labels, bool proxy)
    {
        var x = input.detach().to(net.parameters().First().dtype).clone().requires_grad_(true);
        var logits = proxy ? net.ForwardProxy(x).Logits : net.call(x).Logits;
        var loss = nn.functional.cross_entropy(logits, labels);
        loss.backward();
        // A parameter the pass does not use (the other head) has no gradient: zero in both models.
        return [.. new[] { x.grad }.Concat(net.parameters().Select(p => p.grad))
            .Select(g => g is null ? torch.zeros(1, dtype: ScalarType.Float64) : g.to(ScalarType.Float64))];
    }

    [TestMethod]
    [DataRow("cnn", 4, false)]
    [DataRow("cnn", 4, true)]
    [DataRow("cnn", 32, false)]
    [DataRow("resnet18", 4, false)]
    [DataRow("resnet18", 8, true)]
    [DataRow("resnet18", 6, true)]
    public void Float32GradientsMatchFloat64(string model, int channels, bool proxy)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var input = torch.randn(12, 3, 16, 16);
        var labels = torch.randint(0, 5, [12]);
        using var single = Build(model, channels, ScalarType.Float32);
        using var @double = Build(model, channels, ScalarType.Float64);

        var got = Gradients(single, input, labels, proxy);
        var expected = Gradients(@double, input, labels, proxy);

        var names = new[] { "input" }.Concat(single.named_parameters().Select(p => p.name)).ToList();
        for (var i = 0; i < got.Count; i++)
        {
            var scale = Math.Max(expected[i].abs().max().item<double>(), 1e-6);
            var error = (got[i] - expected[i]).abs().max().item<double>() / scale;
            Assert.IsLessThan(1e-3, error, $"{model} width {channels}{(proxy ? " proxy" : "")}: gradient of {names[i]} is off by {error:G3} of its size");
        }
    }
}
