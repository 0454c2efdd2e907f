using Winnow.Engine.Sweeps;

namespace Winnow.Reports;

/// <summary>A claim of the sweep file with its evidence: both sides' final accuracy, the per-seed difference and the verdict.</summary>
/// <param name="Seeds">The seeds both sides completed, on which the difference is taken.</param>
/// <param name="Difference">Better − Than in percentage points, per shared seed: mean ± sd; null without a shared seed.</param>
/// <param name="T">The paired t statistic, or null when it is not defined (fewer than two seeds, or no spread).</param>
public sealed record ClaimRow(SweepClaim Claim, Stat? Better, Stat? Than, Stat? BetterKeep, Stat? ThanKeep, IReadOnlyList<int> Seeds,
    Stat? Difference, double? T, string Verdict);

/// <summary>The verdict on a claim: a paired two-sided t-test at 95% over the seeds both configurations ran.</summary>
/// <remarks>Paired because the runs of one seed share their initial weights and data order, which removes most of the variance
/// between seeds. With 3 seeds the test needs |mean| > 4.30 standard errors, so a small difference is "within noise" unless
/// it is very consistent; that is the honest reading of 3 seeds, not a weakness of the test.</remarks>
public static class Claims
{
    public const string Holds = "holds";
    public const string DoesNotHold = "does not hold";
    public const string WithinNoise = "within noise";

    // Two-sided 95% quantiles of Student's t for 1..10 degrees of freedom, then coarser steps down to the normal's 1.960.
    private static readonly (int Df, double T)[] Critical =
        [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (6, 2.447), (7, 2.365), (8, 2.306), (9, 2.262), (10, 2.228),
         (15, 2.131), (20, 2.086), (30, 2.042), (60, 2.000), (120, 1.980)];

    /// <summary>The two-sided 95% critical value of t with <paramref name="df"/> degrees of freedom (the table's entry at or just
    /// below <paramref name="df"/>, which errs on the strict side; 1.960 beyond 120).</summary>
    public static double CriticalT(int df)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(df, 1);
        return df > 120 ? 1.960 : Critical.Last(c => c.Df <= df).T;
    }

    /// <summary>Judges each claim on the completed runs, in the claims' order.</summary>
    public static IReadOnlyList<ClaimRow> Judge(IReadOnlyList<RunFigures> runs, IReadOnlyList<SweepClaim> claims) =>
        [.. claims.Select(c => Judge(runs, c))];

    private static ClaimRow Judge(IReadOnlyList<RunFigures> runs, SweepClaim claim)
    {
        var better = runs.Where(r => r.Configuration == claim.Better).ToList();
        var than = runs.Where(r => r.Configuration == claim.Than).ToList();
        var seeds = better.Select(r => r.Seed).Intersect(than.Select(r => r.Seed)).Order().ToList();
        var differences = seeds.Select(s => (better.First(r => r.Seed == s).FinalAccuracy - than.First(r => r.Seed == s).FinalAccuracy) * 100).ToList();
        var difference = Stat.Of(differences);
        var (t, verdict) = Verdict(difference);
        return new ClaimRow(claim, Stat.Of(better.Select(r => r.FinalAccuracy * 100)), Stat.Of(than.Select(r => r.FinalAccuracy * 100)),
            Stat.Of(better.Select(r => r.EffectiveKeep)), Stat.Of(than.Select(r => r.EffectiveKeep)), seeds, difference, t, verdict);
    }

    /// <summary>The verdict on paired differences (Better − Than): holds when Better is ahead beyond noise, does not hold when it is
    /// behind beyond noise, within noise otherwise.</summary>
    public static (double? T, string Verdict) Verdict(Stat? difference)
    {
        if (difference is not { } d) return (null, "not judged: no seed has both");
        if (d.Count < 2) return (null, "not judged: one seed");
        if (d.Spread == 0) return (null, d.Mean > 0 ? Holds : d.Mean < 0 ? DoesNotHold : WithinNoise);
        var t = d.Mean / (d.Spread / Math.Sqrt(d.Count));
        var verdict = Math.Abs(t) <= CriticalT(d.Count - 1) ? WithinNoise : t > 0 ? Holds : DoesNotHold;
        return (t, verdict);
    }
}
