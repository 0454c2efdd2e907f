using TorchSharp;
using Winnow.Engine.Configuration;

namespace Winnow.Engine.Training;

public static class Devices
{
    /// <summary>The device a run trains on; <c>cuda</c> without a CUDA device is refused before training.</summary>
    public static torch.Device Resolve(DeviceChoice choice)
    {
        var cuda = torch.cuda.is_available();
        return choice switch
        {
            DeviceChoice.Cpu => torch.CPU,
            DeviceChoice.Cuda when cuda => torch.CUDA,
            DeviceChoice.Cuda => throw new ConfigurationError(
                "Run:Device: 'cuda' was asked for, but TorchSharp reports no CUDA device (this build carries the " +
                "cpu backend unless built with -p:TorchBackend=cuda; see docs/configuration.md). Use 'auto' or 'cpu'."),
            _ => cuda ? torch.CUDA : torch.CPU,
        };
    }

    /// <summary>Sets libtorch's thread count; 0 means one per core.</summary>
    public static int SetThreads(int threads)
    {
        var n = threads > 0 ? threads : Environment.ProcessorCount;
        torch.set_num_threads(n);
        return n;
    }
}
