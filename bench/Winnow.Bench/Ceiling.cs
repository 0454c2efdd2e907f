using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Bench;

/// <summary>The machine's measured ceiling: libtorch's float32 matrix multiply (SGEMM) in this process, with its threads.</summary>
/// <remarks>A training step is mostly matrix products (convolutions and linear layers), so the rate at which libtorch multiplies large
/// square matrices here is the most a model can reach; the throughput benchmarks are shares of it.</remarks>
public static class Ceiling
{
    /// <summary>GFLOP/s of <c>n × n</c> products (2n³ FLOPs each): the best of several timed batches, after a warm-up.</summary>
    public static (double Gflops, string Detail) Sgemm(int n = 1024, int batches = 7)
    {
        using var scope = NewDisposeScope();
        using var guard = torch.inference_mode();
        var a = randn(n, n);
        var b = randn(n, n);
        for (var i = 0; i < 3; i++) mm(a, b).Dispose();
        var flops = 2.0 * n * n * n;
        var perBatch = Math.Max(4, (int)(2e10 / flops));
        var rates = new List<double>();
        for (var r = 0; r < batches; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < perBatch; i++) mm(a, b).Dispose();
            rates.Add(flops * perBatch / clock.Elapsed.TotalSeconds / 1e9);
        }
        // The best batch is the ceiling; the median shows how much the machine's other work took from it.
        return (rates.Max(), FormattableString.Invariant(
            $"{n}x{n} SGEMM, {perBatch} products per batch, {torch.get_num_threads()} threads: best {rates.Max():F1}, median {Stats.Median(rates):F1} GFLOP/s over {batches} batches"));
    }
}
