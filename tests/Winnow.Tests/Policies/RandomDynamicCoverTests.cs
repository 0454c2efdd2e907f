using Winnow.Engine.Training;
using Winnow.Plugins.Policies;
using static Winnow.Tests.Policies.PolicyTesting;

namespace Winnow.Tests.Policies;

/// <summary>random-dynamic with Cover (RS2 without replacement): a permutation walked K samples at a time.</summary>
[TestClass]
public sealed class RandomDynamicCoverTests
{
    private static ISelectionPolicy Cover(int n, double keep, int interval = 1) =>
        ((IPolicyPlugin)new RandomDynamicPolicyPlugin()).Create(new RandomDynamicOptions { KeepFraction = keep, Cover = true, Interval = interval }, new PolicyContext(n, 100, 0));

    [TestMethod]
    [DataRow(100, 0.25)]   // 4 epochs per pass
    [DataRow(100, 0.5)]
    [DataRow(90, 0.1)]
    [DataRow(7, 1.0)]
    public void WhenKDividesNEverySampleIsUsedExactlyOncePerOneOverKEpochs(int n, double keep)
    {
        var policy = Cover(n, keep);
        var board = new ScoreBoard(n);
        var perPass = (int)Math.Round(1 / keep);
        for (var pass = 0; pass < 3; pass++)
        {
            var counts = new int[n];
            for (var e = 0; e < perPass; e++)
            {
                var plan = Plan(policy, board, pass * perPass + e, seed: 21);
                AssertSortedDistinct(plan.Indices, n);
                Assert.HasCount(RandomDynamicPolicyPlugin.KeepCount(keep, n), plan.Indices);
                foreach (var s in plan.Indices) counts[s]++;
            }
            CollectionAssert.AreEqual(Enumerable.Repeat(1, n).ToArray(), counts, $"pass {pass}: every sample exactly once");
        }
    }

    [TestMethod]
    [DataRow(10, 0.3)]     // K = 3: ceil(1/0.3) = 4 epochs, the fourth wraps into a new permutation
    [DataRow(100, 0.3)]
    [DataRow(1000, 0.07)]  // K = 70: 15 epochs
    [DataRow(37, 0.4)]     // K = 15 (14.8 rounds up): 3 epochs
    public void OverCeilOneOverKEpochsEverySampleIsUsedAtLeastOnce(int n, double keep)
    {
        var k = RandomDynamicPolicyPlugin.KeepCount(keep, n);
        var epochs = (int)Math.Ceiling(n / (double)k);
        Assert.AreEqual((int)Math.Ceiling(1 / keep), epochs, "K·ceil(1/k) covers N here");
        for (var seed = 0; seed < 20; seed++)
        {
            var policy = Cover(n, keep);
            var board = new ScoreBoard(n);
            var seen = new bool[n];
            for (var e = 0; e < epochs; e++)
            {
                var plan = Plan(policy, board, e, seed);
                AssertSortedDistinct(plan.Indices, n);
                Assert.HasCount(k, plan.Indices, "a selection that wraps still has K distinct samples");
                foreach (var s in plan.Indices) seen[s] = true;
            }
            Assert.IsTrue(seen.All(x => x), $"seed {seed}: every sample used within {epochs} epochs");
        }
    }

    [TestMethod]
    public void TheWalkIsNotTheIndependentDraw()
    {
        // Without cover two epochs of K = N/2 overlap by about N/4; with cover they are disjoint.
        var board = new ScoreBoard(200);
        var cover = Cover(200, 0.5);
        var a = Plan(cover, board, 0, seed: 5).Indices;
        var b = Plan(cover, board, 1, seed: 5).Indices;
        Assert.IsEmpty(a.Intersect(b));
        var independent = ((IPolicyPlugin)new RandomDynamicPolicyPlugin()).Create(new RandomDynamicOptions { KeepFraction = 0.5 }, new PolicyContext(200, 10, 0));
        Assert.IsNotEmpty(Plan(independent, board, 0, seed: 5).Indices.Intersect(Plan(independent, board, 1, seed: 5).Indices));
    }

    [TestMethod]
    public void WithAnIntervalTheWalkAdvancesOnlyAtSelections()
    {
        var board = new ScoreBoard(40);
        var policy = Cover(40, 0.25, interval: 2);
        var plans = Enumerable.Range(0, 8).Select(e => Plan(policy, board, e, seed: 8).Indices).ToArray();
        for (var e = 1; e < 8; e += 2) CollectionAssert.AreEqual(plans[e - 1], plans[e], $"epoch {e} reuses epoch {e - 1}");
        // The four selections (epochs 0, 2, 4, 6) are one pass over the permutation.
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 40).ToArray(), plans.Where((_, e) => e % 2 == 0).SelectMany(p => p).ToArray());
    }

    [TestMethod]
    public void CoverIsOffByDefault() => Assert.IsFalse(new RandomDynamicOptions().Cover);
}
