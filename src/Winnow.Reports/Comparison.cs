using System.Globalization;

namespace Winnow.Reports;

/// <summary>A mean over runs with its spread: the sample standard deviation (n − 1 in the denominator), 0 for a single run.</summary>
public readonly record struct Stat(double Mean, double Spread, int Count)
{
    /// <summary>The statistic of <paramref name="values"/>, or null when there are none.</summary>
    public static Stat? Of(IEnumerable<double> values)
    {
        var v = values.ToList();
        if (v.Count == 0) return null;
        var mean = v.Average();
        var spread = v.Count < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
        return new Stat(mean, spread, v.Count);
    }

    /// <summary><c>mean ± spread</c> (the spread only with two runs or more).</summary>
    public string Format(string format, string unit = "") =>
        Count > 1
            ? Mean.ToString(format, CultureInfo.InvariantCulture) + unit + " ± " + Spread.ToString(format, CultureInfo.InvariantCulture)
            : Mean.ToString(format, CultureInfo.InvariantCulture) + unit;
}

/// <summary>One epoch of a run as the comparison sees it: test accuracy after it (null when it was not evaluated), and its time.</summary>
public readonly record struct EpochPoint(double? Accuracy, double Seconds);

/// <summary>One completed run's figures.</summary>
/// <param name="Configuration">What the run is, without its seed; runs sharing it are averaged.</param>
/// <param name="Curve">Per epoch: test accuracy and wall-clock (training + scoring + selecting + evaluating).</param>
/// <param name="TargetAccuracy">The run's <c>Run:TargetAccuracy</c>, when it had one.</param>
/// <param name="TargetSeconds">When it reached it: wall-clock from the start of training to the end of that epoch's evaluation; null when it did not.</param>
public sealed record RunFigures(
    string Configuration,
    string Policy,
    int Seed,
    double FinalAccuracy,
    double BestAccuracy,
    double EffectiveKeep,
    double NominalKeep,
    double TrainSeconds,
    double ScoringSeconds,
    double SelectingSeconds,
    double EvaluatingSeconds,
    IReadOnlyList<EpochPoint> Curve,
    double? TargetAccuracy = null,
    double? TargetSeconds = null)
{
    /// <summary>The run's wall-clock: the sum of its epochs' training, scoring, selecting and evaluating.</summary>
    public double Seconds => TrainSeconds + ScoringSeconds + SelectingSeconds + EvaluatingSeconds;
}

/// <summary>When a configuration's runs first reached the full-data run's final accuracy, as a share of the full run's wall-clock.</summary>
/// <param name="Ratio">Over the runs that reached it; null when none did.</param>
/// <param name="Reached">How many runs reached it.</param>
/// <param name="Runs">How many runs there were.</param>
public sealed record TimeToAccuracy(Stat? Ratio, int Reached, int Runs)
{
    /// <summary><c>0.42</c>, <c>0.42 ± 0.03</c>, <c>0.42 (2 of 3; 1 never)</c> or <c>never</c>.</summary>
    public string Format()
    {
        if (Ratio is not { } r) return "never";
        var text = r.Format("F2");
        return Reached == Runs ? text : $"{text} ({Reached} of {Runs}; {Runs - Reached} never)";
    }
}

/// <summary>One line of the comparison table: a configuration's runs over seeds, against its full-data baseline.</summary>
/// <param name="Baseline">The configuration it is compared with (the <c>full</c> one), or null when the sweep has none that matches.</param>
/// <param name="DeltaToFull">Final accuracy minus the baseline's, in percentage points.</param>
/// <param name="SpeedUp">Baseline wall-clock / this wall-clock.</param>
/// <param name="TrainSpeedUp">Baseline training seconds / this training seconds.</param>
/// <param name="IdealSpeedUp">1 / effective keep fraction: the training speed-up pruning alone would give.</param>
public sealed record ComparisonRow(
    string Configuration,
    string Policy,
    int Runs,
    Stat FinalAccuracy,
    Stat BestAccuracy,
    Stat EffectiveKeep,
    double NominalKeep,
    Stat TrainSeconds,
    Stat ScoringSeconds,
    Stat SelectingSeconds,
    Stat EvaluatingSeconds,
    Stat Seconds,
    string? Baseline,
    Stat? DeltaToFull,
    Stat? SpeedUp,
    Stat? TrainSpeedUp,
    Stat IdealSpeedUp,
    TimeToAccuracy? TimeToFull);

/// <summary>A configuration's time to a target accuracy over its seeds, as MLPerf Training reports it: the median over the seeds that
/// reached the target, and how many did.</summary>
/// <param name="Seconds">Per seed, in seed order: its time to the target, or null when it never reached it.</param>
/// <param name="RatioToFull">The median over the full-data configuration's median, when the sweep has one that reached the target.</param>
/// <param name="WithinHalfOfFull">Seeds whose time was at most half of full's median.</param>
public sealed record TargetRow(string Configuration, string Policy, double Target, IReadOnlyList<(int Seed, double? Seconds)> Seconds,
    double? Median, double? RatioToFull, int WithinHalfOfFull)
{
    public int Reached => Seconds.Count(s => s.Seconds is not null);
}

/// <summary>The maths of the comparison table.</summary>
/// <remarks>Each run is compared with the baseline run of the same seed when there is one (same initial weights, same data order),
/// else with the mean of the baseline's runs; the per-run comparisons are then averaged over seeds.</remarks>
public static class Comparison
{
    /// <summary>The cumulative wall-clock at the end of the first epoch whose test accuracy reached <paramref name="target"/>, or null.</summary>
    public static double? TimeToReach(IReadOnlyList<EpochPoint> curve, double target)
    {
        double elapsed = 0;
        foreach (var e in curve)
        {
            elapsed += e.Seconds;
            if (e.Accuracy >= target - 1e-12) return elapsed;
        }
        return null;
    }

    /// <summary>The median of <paramref name="values"/>; null when there are none.</summary>
    public static double? Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        if (v.Count == 0) return null;
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    /// <summary>One row per configuration whose runs had a target accuracy, in the order configurations first appear.</summary>
    /// <param name="baselineOf">The baseline configuration of a configuration (itself for a full-data one), or null for none.</param>
    public static IReadOnlyList<TargetRow> ToTarget(IReadOnlyList<RunFigures> runs, Func<string, string?> baselineOf)
    {
        var withTarget = runs.Where(r => r.TargetAccuracy is not null).ToList();
        double? MedianOf(string configuration) =>
            Median(withTarget.Where(r => r.Configuration == configuration && r.TargetSeconds is not null).Select(r => r.TargetSeconds!.Value));
        var rows = new List<TargetRow>();
        foreach (var group in withTarget.GroupBy(r => r.Configuration, StringComparer.Ordinal))
        {
            var median = MedianOf(group.Key);
            var full = baselineOf(group.Key) is { } baseline ? MedianOf(baseline) : null;
            rows.Add(new TargetRow(group.Key, string.Join("/", group.Select(r => r.Policy).Distinct(StringComparer.Ordinal)),
                group.Max(r => r.TargetAccuracy!.Value), [.. group.OrderBy(r => r.Seed).Select(r => (r.Seed, r.TargetSeconds))],
                median, median / full, full is null ? 0 : group.Count(r => r.TargetSeconds <= 0.5 * full)));
        }
        return rows;
    }

    /// <summary>One row per configuration, in the order configurations first appear in <paramref name="runs"/>.</summary>
    /// <param name="baselineOf">The baseline configuration of a configuration (itself for a full-data one), or null for none.</param>
    public static IReadOnlyList<ComparisonRow> Compare(IReadOnlyList<RunFigures> runs, Func<string, string?> baselineOf)
    {
        var byConfiguration = runs.GroupBy(r => r.Configuration, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var rows = new List<ComparisonRow>();
        foreach (var configuration in runs.Select(r => r.Configuration).Distinct(StringComparer.Ordinal))
        {
            var group = byConfiguration[configuration];
            var baselineName = baselineOf(configuration);
            var baseline = baselineName is not null && byConfiguration.TryGetValue(baselineName, out var b) ? b : null;

            Stat? delta = null, speedUp = null, trainSpeedUp = null;
            TimeToAccuracy? timeToFull = null;
            if (baseline is not null)
            {
                RunFigures? Pair(RunFigures r) => baseline.FirstOrDefault(x => x.Seed == r.Seed);
                double FullFinal(RunFigures r) => Pair(r)?.FinalAccuracy ?? baseline.Average(x => x.FinalAccuracy);
                double FullSeconds(RunFigures r) => Pair(r)?.Seconds ?? baseline.Average(x => x.Seconds);
                double FullTrain(RunFigures r) => Pair(r)?.TrainSeconds ?? baseline.Average(x => x.TrainSeconds);
                delta = Stat.Of(group.Select(r => (r.FinalAccuracy - FullFinal(r)) * 100));
                speedUp = Stat.Of(group.Select(r => FullSeconds(r) / r.Seconds));
                trainSpeedUp = Stat.Of(group.Select(r => FullTrain(r) / r.TrainSeconds));
                var ratios = group.Select(r => TimeToReach(r.Curve, FullFinal(r)) / FullSeconds(r)).ToList();
                timeToFull = new TimeToAccuracy(Stat.Of(ratios.Where(x => x is not null).Select(x => x!.Value)), ratios.Count(x => x is not null), ratios.Count);
            }
            rows.Add(new ComparisonRow(
                configuration,
                string.Join("/", group.Select(r => r.Policy).Distinct(StringComparer.Ordinal)),
                group.Count,
                Stat.Of(group.Select(r => r.FinalAccuracy))!.Value,
                Stat.Of(group.Select(r => r.BestAccuracy))!.Value,
                Stat.Of(group.Select(r => r.EffectiveKeep))!.Value,
                group.Average(r => r.NominalKeep),
                Stat.Of(group.Select(r => r.TrainSeconds))!.Value,
                Stat.Of(group.Select(r => r.ScoringSeconds))!.Value,
                Stat.Of(group.Select(r => r.SelectingSeconds))!.Value,
                Stat.Of(group.Select(r => r.EvaluatingSeconds))!.Value,
                Stat.Of(group.Select(r => r.Seconds))!.Value,
                baseline is null ? null : baselineName,
                delta,
                speedUp,
                trainSpeedUp,
                Stat.Of(group.Select(r => 1 / r.EffectiveKeep))!.Value,
                timeToFull));
        }
        return rows;
    }
}
