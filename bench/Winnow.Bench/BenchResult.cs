using System.Globalization;

namespace Winnow.Bench;

/// <summary>What a benchmark's figure says against its target.</summary>
public enum Verdict
{
    /// <summary>The target was met.</summary>
    Met,
    /// <summary>The target was missed.</summary>
    Missed,
    /// <summary>The alternating pairs behind the figure spread more than <see cref="Pairs.NoisyAbove"/>: no verdict, the raw pairs are shown.</summary>
    Noisy,
    /// <summary>The figure is impossible (a speed-up above its ideal): the measurement is at fault, not the engine.</summary>
    Fault,
    /// <summary>A measurement without a target (the machine's ceiling).</summary>
    Info,
}

/// <summary>One benchmark's figure next to its target.</summary>
/// <param name="Detail">What was measured, in a line: the raw timings behind the figure.</param>
public sealed record BenchResult(string Name, string Measured, string Target, Verdict Verdict, string Detail)
{
    public string VerdictText => Verdict switch
    {
        Verdict.Met => "met",
        Verdict.Missed => "MISSED",
        Verdict.Noisy => "noisy",
        Verdict.Fault => "FAULT",
        _ => "—",
    };

    public static Verdict Judge(bool met) => met ? Verdict.Met : Verdict.Missed;
}

/// <summary>How long and how large the benchmarks are.</summary>
/// <param name="Repeats">Measured epochs of each timed loop (after one warm-up epoch), and timed selections per policy.</param>
/// <param name="TrainLimit">Training samples for the epoch benchmarks (0: the whole dataset).</param>
/// <param name="TestLimit">Test samples evaluated after each epoch (0: all).</param>
/// <param name="DataPathSteps">Timed training steps of the data-path benchmark.</param>
/// <param name="SelectionSizes">N of the synthetic score boards the policies select from.</param>
/// <param name="MemoryEpochs">Epochs of the runs whose resident memory is followed.</param>
/// <param name="Rounds">Rounds of the speed-up benchmark: each runs full data, then every pruned policy, so that the ratios come in
/// alternating pairs.</param>
public sealed record BenchOptions(int Repeats, int TrainLimit, int TestLimit, int DataPathSteps, int[] SelectionSizes, int MemoryEpochs, int Rounds)
{
    /// <summary>About three minutes on two cores: 10,000 training samples, four measured epochs, memory over 8 epochs.</summary>
    public static BenchOptions Quick { get; } = new(4, 10_000, 2_000, 100, [1_281_167, 10_000_000], 8, 2);

    /// <summary>The whole of Fashion-MNIST, three measured epochs, memory over 10 epochs: about a quarter of an hour on two cores.</summary>
    public static BenchOptions Full { get; } = new(3, 0, 0, 300, [1_281_167, 10_000_000], 10, 3);
}

/// <summary>Figures from alternating pairs: the median ratio and how far the pairs spread.</summary>
public sealed record Pairs(IReadOnlyList<double> Ratios)
{
    /// <summary>A figure whose pairs spread more than this (max − min over the median) gets no verdict: the machine was too noisy.</summary>
    public const double NoisyAbove = 0.25;

    public double Median => Stats.Median(Ratios);

    /// <summary>(max − min) / median.</summary>
    public double Spread => Ratios.Count < 2 ? 0 : (Ratios.Max() - Ratios.Min()) / Median;

    public bool Noisy => Spread > NoisyAbove;

    /// <summary>"median 1.012 over 4 alternating pairs, spread 3.1% (1.003, 1.012, …)".</summary>
    public string Describe(string format = "F3") => string.Create(CultureInfo.InvariantCulture,
        $"median {Median.ToString(format, CultureInfo.InvariantCulture)} over {Ratios.Count} alternating pairs, spread {Spread * 100:F1}% " +
        $"({string.Join(", ", Ratios.Select(r => r.ToString(format, CultureInfo.InvariantCulture)))})");

    /// <summary>The verdict of a figure from these pairs: noisy when they spread too much, else <paramref name="met"/>'s.</summary>
    public Verdict Judge(bool met) => Noisy ? Verdict.Noisy : BenchResult.Judge(met);
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        if (v.Count == 0) return double.NaN;
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }
}
