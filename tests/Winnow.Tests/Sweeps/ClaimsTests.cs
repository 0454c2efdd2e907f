using System.Text.Json;
using Winnow.Engine.Configuration;
using Winnow.Engine.Sweeps;
using Winnow.Reports;

namespace Winnow.Tests.Sweeps;

/// <summary>Claims of a sweep file: how they are read, and the paired verdict on hand-computed differences.</summary>
[TestClass]
public sealed class ClaimsTests
{
    private static RunFigures Run(string configuration, int seed, double accuracy, double keep = 0.3) =>
        new(configuration, configuration.Split(' ')[0], seed, accuracy, accuracy, keep, keep, 1, 0, 0, 0, [new EpochPoint(accuracy, 1)]);

    [TestMethod]
    [DataRow(2, 4.303)]
    [DataRow(10, 2.228)]
    [DataRow(12, 2.228)]      // the table's entry at or below: stricter than the exact 2.179
    [DataRow(500, 1.960)]
    public void TheCriticalValuesAreStudentsAt95PercentTwoSided(int df, double t) => Assert.AreEqual(t, Claims.CriticalT(df), 1e-9);

    [TestMethod]
    // Differences 1, 2, 3: mean 2, sd 1, t = 2/(1/√3) = 3.46 < 4.303.
    [DataRow(new[] { 1.0, 2.0, 3.0 }, 3.4641, "within noise")]
    // 1.9, 2, 2.1: sd 0.1, t = 34.6.
    [DataRow(new[] { 1.9, 2.0, 2.1 }, 34.641, "holds")]
    [DataRow(new[] { -0.9, -1.0, -1.1 }, -17.321, "does not hold")]
    // Two seeds: 1 and 3, mean 2, sd √2, t = 2/(√2/√2) = 2 < 12.706.
    [DataRow(new[] { 1.0, 3.0 }, 2.0, "within noise")]
    public void TheVerdictIsAPairedTTest(double[] differences, double t, string verdict)
    {
        var (statistic, judged) = Claims.Verdict(Stat.Of(differences));
        Assert.AreEqual(t, statistic!.Value, 1e-3);
        Assert.AreEqual(verdict, judged);
    }

    [TestMethod]
    public void NoSpreadAndTooFewSeedsAreNamed()
    {
        Assert.AreEqual((null, "holds"), Claims.Verdict(Stat.Of([0.5, 0.5, 0.5])));
        Assert.AreEqual((null, "within noise"), Claims.Verdict(Stat.Of([0.0, 0.0])));
        Assert.AreEqual("not judged: one seed", Claims.Verdict(Stat.Of([4.0])).Verdict);
        Assert.AreEqual("not judged: no seed has both", Claims.Verdict(null).Verdict);
    }

    [TestMethod]
    public void OnlyTheSeedsBothSidesRanArePaired()
    {
        RunFigures[] runs = [Run("ucb KeepFraction=0.3", 1, 0.90), Run("ucb KeepFraction=0.3", 2, 0.91), Run("ucb KeepFraction=0.3", 3, 0.95),
                             Run("random-dynamic KeepFraction=0.3", 2, 0.90), Run("random-dynamic KeepFraction=0.3", 3, 0.93), Run("random-dynamic KeepFraction=0.3", 4, 0.5)];

        var row = Claims.Judge(runs, [new SweepClaim("c", "ucb KeepFraction=0.3", "random-dynamic KeepFraction=0.3")]).Single();

        CollectionAssert.AreEqual(new[] { 2, 3 }, row.Seeds.ToArray());
        Assert.AreEqual(1.5, row.Difference!.Value.Mean, 1e-9, "(1 + 2) / 2 points");
        Assert.AreEqual(92.0, row.Better!.Value.Mean, 1e-9, "each side's accuracy is over all its own seeds");
        Assert.AreEqual(3, row.Better.Value.Count);
        Assert.AreEqual("within noise", row.Verdict, "t = 1.5/(0.707/√2) = 3 < 12.706");
    }

    private static SweepDefinition Parse(string claims)
    {
        using var document = JsonDocument.Parse($$"""{ "Base": { "Run": { "Epochs": 2 } }, "Vary": { "Run:Seed": [1] }, "Claims": {{claims}} }""");
        return SweepDefinition.Parse("/sweeps/test.json", document.RootElement, []);
    }

    [TestMethod]
    public void ClaimsAreReadInOrder()
    {
        var sweep = Parse("""[ { "Claim": "a", "Better": "ucb", "Than": "full" }, { "Claim": "b", "Better": " x ", "Than": "y" } ]""");
        CollectionAssert.AreEqual(new[] { new SweepClaim("a", "ucb", "full"), new SweepClaim("b", "x", "y") }, sweep.Claims.ToArray());
    }

    [TestMethod]
    [DataRow("""{ "Claim": "a" }""", "/sweeps/test.json: Claims must be a list")]
    [DataRow("""[ "ucb" ]""", "Claims:0: expected an object with Claim, Better and Than")]
    [DataRow("""[ { "Claim": "a", "Better": "ucb" } ]""", "Claims:0: Than is missing or empty: name a configuration of the report")]
    [DataRow("""[ { "Claim": "a", "Better": "ucb", "Than": "ucb" } ]""", "Claims:0: Better and Than are the same configuration ('ucb')")]
    [DataRow("""[ { "Claim": "a", "Better": "ucb", "Than": "full", "By": 1 } ]""", "Claims:0: unknown key 'By'; a claim has Claim, Better and Than")]
    [DataRow("""[ { "Claim": 3, "Better": "ucb", "Than": "full" } ]""", "Claims:0: Claim must be a string")]
    public void AMalformedClaimIsRefusedByPosition(string claims, string message)
    {
        var e = Assert.ThrowsExactly<ConfigurationError>(() => Parse(claims));
        StringAssert.Contains(e.Message, message);
    }
}
