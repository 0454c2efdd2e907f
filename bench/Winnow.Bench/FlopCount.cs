using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Winnow.Bench;

/// <summary>Counts a model's forward FLOPs per sample from the convolution and linear modules its forward pass calls.</summary>
/// <remarks>A multiply-add is two FLOPs. Only <see cref="Conv2d"/> and <see cref="Linear"/> modules called through their own forward are
/// counted (with forward hooks): activations, pooling and normalisation are memory-bound and small in FLOPs, and a layer a model runs
/// as a plain function is not seen. Training is counted as three forward passes (the backward pass computes two products per
/// forward one: the input's gradient and the weight's), the usual estimate.</remarks>
public static class FlopCount
{
    public static double ForwardPerSample(Classifier model, long[] sampleShape)
    {
        double flops = 0;
        var removers = new List<nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover>();
        const int batch = 2;
        foreach (var module in model.modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    removers.Add(conv.register_forward_hook((_, _, output) =>
                    {
                        var w = conv.weight!.shape;
                        flops += 2.0 * output.numel() / batch * w[1] * w[2] * w[3];
                        return output;
                    }));
                    break;
                case Linear linear:
                    removers.Add(linear.register_forward_hook((_, _, output) =>
                    {
                        flops += 2.0 * output.numel() / batch * linear.weight!.shape[1];
                        return output;
                    }));
                    break;
            }
        }
        try
        {
            using var scope = NewDisposeScope();
            using var guard = torch.inference_mode();
            var wasTraining = model.training;
            model.eval();
            model.call(zeros([batch, .. sampleShape]));
            if (wasTraining) model.train();
        }
        finally
        {
            foreach (var r in removers) r.remove();
        }
        return flops;
    }
}
