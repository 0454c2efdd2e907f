using Winnow.Reports;

namespace Winnow.Tests.Sweeps;

/// <summary>The comparison table's maths on hand-made runs: mean and spread, the difference to full, speed-ups and time-to-accuracy.</summary>
[TestClass]
public sealed class ComparisonTests
{
    // A run whose epochs take the given seconds each and reach the given accuracies; its parts add up to those seconds.
    private static RunFigures Run(string configuration, string policy, int seed, double keep, double[] accuracy, double[] seconds, double scoring = 0)
    {
        var curve = accuracy.Zip(seconds, (a, s) => new EpochPoint(a, s)).ToList();
        var total = seconds.Sum();
        return new RunFigures(configuration, policy, seed, accuracy[^1], accuracy.Max(), keep, policy == "full" ? 1 : keep,
            TrainSeconds: total - scoring - 0.1 * accuracy.Length, ScoringSeconds: scoring, SelectingSeconds: 0, EvaluatingSeconds: 0.1 * accuracy.Length, curve);
    }

    [TestMethod]
    public void MeanAndSpreadAreTheSampleStatistics()
    {
        var s = Stat.Of([1.0, 2.0, 4.0])!.Value;
        Assert.AreEqual(7.0 / 3, s.Mean, 1e-12);
        Assert.AreEqual(Math.Sqrt(((1 - 7.0 / 3) * (1 - 7.0 / 3) + (2 - 7.0 / 3) * (2 - 7.0 / 3) + (4 - 7.0 / 3) * (4 - 7.0 / 3)) / 2), s.Spread, 1e-12);
        Assert.AreEqual(3, s.Count);
        Assert.AreEqual("2.33 ± 1.53", s.Format("F2"));

        var one = Stat.Of([0.5])!.Value;
        Assert.AreEqual(0.0, one.Spread);
        Assert.AreEqual("0.50x", one.Format("F2", "x"), "no spread with one run");
        Assert.IsNull(Stat.Of([]));
    }

    [TestMethod]
    public void TimeToTargetIsTheMedianOverTheSeedsThatReachedItAgainstFullsMedian()
    {
        RunFigures Timed(string configuration, string policy, int seed, double? seconds) =>
            Run(configuration, policy, seed, 0.3, [0.9], [1]) with { TargetAccuracy = 0.9, TargetSeconds = seconds };
        var runs = new[]
        {
            Timed("full", "full", 1, 100), Timed("full", "full", 2, 120), Timed("full", "full", 3, 90),
            Timed("ucb", "ucb", 1, 40), Timed("ucb", "ucb", 2, null), Timed("ucb", "ucb", 3, 60),
            Timed("rd", "random-dynamic", 1, 30), Timed("rd", "random-dynamic", 2, 55), Timed("rd", "random-dynamic", 3, 45),
            Run("untimed", "ucb", 1, 0.3, [0.9], [1]),
        };

        var rows = Comparison.ToTarget(runs, c => c == "untimed" ? null : "full");

        CollectionAssert.AreEqual(new[] { "full", "ucb", "rd" }, rows.Select(r => r.Configuration).ToArray(), "runs without a target are not in the table");
        var full = rows[0];
        Assert.AreEqual(100.0, full.Median!.Value, 1e-12, "median of 90, 100, 120");
        Assert.AreEqual(1.0, full.RatioToFull!.Value, 1e-12);
        var ucb = rows[1];
        Assert.AreEqual(2, ucb.Reached);
        Assert.AreEqual(50.0, ucb.Median!.Value, 1e-12, "median over the seeds that reached it: 40 and 60");
        Assert.AreEqual(0.5, ucb.RatioToFull!.Value, 1e-12);
        Assert.AreEqual(1, ucb.WithinHalfOfFull, "40 s is at most half of full's 100 s median; 60 s is not");
        var rd = rows[2];
        Assert.AreEqual(3, rd.Reached);
        Assert.AreEqual(0.45, rd.RatioToFull!.Value, 1e-12);
        Assert.AreEqual(2, rd.WithinHalfOfFull, "30 and 45 s");
        CollectionAssert.AreEqual(new (int, double?)[] { (1, 40), (2, null), (3, 60) }, ucb.Seconds.ToArray());
    }

    [TestMethod]
    public void TimeToAccuracyIsTheFirstEpochThatReachesIt()
    {
        EpochPoint[] curve = [new(0.70, 2), new(0.80, 3), new(0.79, 1), new(0.85, 4)];
        Assert.AreEqual(5.0, Comparison.TimeToReach(curve, 0.80), "reached at the end of epoch 2: 2 + 3 seconds");
        Assert.AreEqual(2.0, Comparison.TimeToReach(curve, 0.50));
        Assert.AreEqual(10.0, Comparison.TimeToReach(curve, 0.85));
        Assert.IsNull(Comparison.TimeToReach(curve, 0.86), "never");
    }

    [TestMethod]
    public void EachRunIsComparedWithTheFullRunOfItsSeed()
    {
        RunFigures[] runs =
        [
            Run("full", "full", 1, 1.0, [0.80, 0.90], [10, 10]),
            Run("full", "full", 2, 1.0, [0.82, 0.88], [12, 12]),
            // seed 1 reaches full's 0.90 in epoch 2 (2 + 3 = 5 s of full's 20 s); seed 2 reaches full's 0.88 in epoch 1 (3 s of 24 s).
            Run("ucb k=0.3", "ucb", 1, 0.3, [0.85, 0.91], [2, 3], scoring: 0.5),
            Run("ucb k=0.3", "ucb", 2, 0.3, [0.88, 0.87], [3, 3], scoring: 0.5),
        ];

        var rows = Comparison.Compare(runs, c => c.StartsWith("ucb", StringComparison.Ordinal) || c == "full" ? "full" : null);

        Assert.HasCount(2, rows);
        var full = rows[0];
        Assert.AreEqual("full", full.Configuration);
        Assert.AreEqual(0.89, full.FinalAccuracy.Mean, 1e-12);
        Assert.AreEqual(Math.Sqrt(2 * 0.01 * 0.01), full.FinalAccuracy.Spread, 1e-12);
        Assert.AreEqual(0.0, full.DeltaToFull!.Value.Mean, 1e-12);
        Assert.AreEqual(1.0, full.SpeedUp!.Value.Mean, 1e-12);
        Assert.AreEqual(1.0, full.TimeToFull!.Ratio!.Value.Mean, 1e-12, "full reaches its own final accuracy at its end");

        var ucb = rows[1];
        Assert.AreEqual(2, ucb.Runs);
        Assert.AreEqual("ucb", ucb.Policy);
        Assert.AreEqual(((0.91 - 0.90) + (0.87 - 0.88)) / 2 * 100, ucb.DeltaToFull!.Value.Mean, 1e-9, "percentage points, paired by seed");
        Assert.AreEqual(Math.Sqrt(2) * 1.0, ucb.DeltaToFull!.Value.Spread, 1e-9);
        Assert.AreEqual((20.0 / 5 + 24.0 / 6) / 2, ucb.SpeedUp!.Value.Mean, 1e-12, "full's wall-clock of the same seed over the run's");
        Assert.AreEqual(((20 - 0.2) / (5 - 0.5 - 0.2) + (24 - 0.2) / (6 - 0.5 - 0.2)) / 2, ucb.TrainSpeedUp!.Value.Mean, 1e-9);
        Assert.AreEqual(1 / 0.3, ucb.IdealSpeedUp.Mean, 1e-12);
        Assert.AreEqual(2, ucb.TimeToFull!.Reached);
        Assert.AreEqual((5.0 / 20 + 3.0 / 24) / 2, ucb.TimeToFull.Ratio!.Value.Mean, 1e-12);
        Assert.AreEqual(0.5 + 0.5, ucb.ScoringSeconds.Mean * 2, 1e-12);
        Assert.AreEqual(5.5, ucb.Seconds.Mean, 1e-12);
    }

    [TestMethod]
    public void ARunThatNeverReachesFullIsSaidSo()
    {
        RunFigures[] runs =
        [
            Run("full", "full", 1, 1.0, [0.80, 0.90], [10, 10]),
            Run("full", "full", 2, 1.0, [0.80, 0.90], [10, 10]),
            Run("random k=0.1", "random-dynamic", 1, 0.1, [0.60, 0.70], [1, 1]),
            Run("random k=0.1", "random-dynamic", 2, 0.1, [0.60, 0.70], [1, 1]),
            Run("random k=0.5", "random-dynamic", 1, 0.5, [0.85, 0.95], [5, 5]),
            Run("random k=0.5", "random-dynamic", 2, 0.5, [0.60, 0.70], [5, 5]),
        ];

        var rows = Comparison.Compare(runs, _ => "full");

        var never = rows.Single(r => r.Configuration == "random k=0.1").TimeToFull!;
        Assert.AreEqual(0, never.Reached);
        Assert.IsNull(never.Ratio);
        Assert.AreEqual("never", never.Format());
        var some = rows.Single(r => r.Configuration == "random k=0.5").TimeToFull!;
        Assert.AreEqual(1, some.Reached);
        Assert.AreEqual(10.0 / 20, some.Ratio!.Value.Mean, 1e-12);
        Assert.AreEqual("0.50 (1 of 2; 1 never)", some.Format());
    }

    [TestMethod]
    public void WithoutAFullRunOfTheSameSeedTheFullMeanIsUsed()
    {
        RunFigures[] runs =
        [
            Run("full", "full", 1, 1.0, [0.90], [10]),
            Run("full", "full", 2, 1.0, [0.80], [20]),
            Run("ucb", "ucb", 3, 0.5, [0.86], [5]),
        ];

        var ucb = Comparison.Compare(runs, _ => "full").Single(r => r.Configuration == "ucb");

        Assert.AreEqual((0.86 - 0.85) * 100, ucb.DeltaToFull!.Value.Mean, 1e-9);
        Assert.AreEqual(15.0 / 5, ucb.SpeedUp!.Value.Mean, 1e-12);
        Assert.AreEqual(5.0 / 15, ucb.TimeToFull!.Ratio!.Value.Mean, 1e-12);
    }

    [TestMethod]
    public void WithoutABaselineNothingIsCompared()
    {
        var rows = Comparison.Compare([Run("ucb", "ucb", 1, 0.5, [0.8], [4])], _ => null);

        Assert.IsNull(rows[0].Baseline);
        Assert.IsNull(rows[0].DeltaToFull);
        Assert.IsNull(rows[0].SpeedUp);
        Assert.IsNull(rows[0].TimeToFull);
        Assert.AreEqual(2.0, rows[0].IdealSpeedUp.Mean, 1e-12);
    }
}
