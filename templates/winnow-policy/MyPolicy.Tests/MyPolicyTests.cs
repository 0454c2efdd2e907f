using MyPolicy;
using Winnow;

namespace MyPolicy.Tests;

/// <summary>The policy's maths, checked on small hand-made score boards.</summary>
[TestClass]
public sealed class MyPolicyTests
{
    [TestMethod]
    public void UnseenSamplesWeighAsTheHardestSeenOne()
    {
        var weights = MyPolicySelection.Weights([2f, float.NaN, 0.5f, float.NaN], floor: 0.1);

        CollectionAssert.AreEqual(new[] { 2.1, 2.1, 0.6, 2.1 }, weights.Select(w => Math.Round(w, 6)).ToArray());
    }

    [TestMethod]
    public void BeforeAnythingIsObservedEverySampleWeighsTheSame()
    {
        var weights = MyPolicySelection.Weights([float.NaN, float.NaN, float.NaN], floor: 0.1);

        CollectionAssert.AreEqual(new[] { 1.1, 1.1, 1.1 }, weights.Select(w => Math.Round(w, 6)).ToArray());
    }

    [TestMethod]
    public void APlanHoldsKDistinctIndicesInRange()
    {
        var policy = Create(keepFraction: 0.3, sampleCount: 10);
        var plan = policy.Plan(new EpochContext(0, new Board(10), new Random(1)));

        Assert.AreEqual(3, policy.KeepCount, "K = round(0.3 * 10)");
        Assert.HasCount(3, plan.Indices);
        Assert.AreEqual(3, plan.Indices.Distinct().Count());
        Assert.IsTrue(plan.Indices.All(i => i is >= 0 and < 10));
        Assert.IsNull(plan.Weights, "every chosen sample trains with weight 1");
    }

    [TestMethod]
    public void TheSameGeneratorGivesTheSamePlan()
    {
        var policy = Create(keepFraction: 0.5, sampleCount: 50);
        var board = new Board(50);

        var first = policy.Plan(new EpochContext(3, board, new Random(42))).Indices;
        var second = policy.Plan(new EpochContext(3, board, new Random(42))).Indices;

        CollectionAssert.AreEqual(first, second);
    }

    [TestMethod]
    public void OneDrawPicksASampleWithProbabilityProportionalToItsWeight()
    {
        var random = new Random(7);
        const int draws = 40_000;
        var counts = new int[3];
        for (var d = 0; d < draws; d++) counts[MyPolicySelection.Sample([3.0, 1.0, 0.0], 1, random)[0]]++;

        Assert.AreEqual(0.75, counts[0] / (double)draws, 0.01, "weight 3 of 4");
        Assert.AreEqual(0.25, counts[1] / (double)draws, 0.01, "weight 1 of 4");
        Assert.AreEqual(0, counts[2], "a weight of 0 is never drawn while others remain");
    }

    [TestMethod]
    public void HighLossSamplesAreChosenMoreOften()
    {
        var board = new Board(4) { MeanValues = [4f, 0f, 0f, 0f] };
        var policy = Create(keepFraction: 0.5, sampleCount: 4, floor: 0.5);
        var counts = new int[4];
        for (var seed = 0; seed < 2_000; seed++)
            foreach (var i in policy.Plan(new EpochContext(0, board, new Random(seed))).Indices) counts[i]++;

        Assert.IsGreaterThan(counts[1] * 1.5, counts[0], $"counts {string.Join(", ", counts)}");
        Assert.AreEqual(2 * 2_000, counts.Sum(), "two samples per plan");
    }

    // Through IPolicyPlugin, as the host calls it: the options are checked on the way.
    private static MyPolicySelection Create(double keepFraction, int sampleCount, double floor = 0.1) =>
        (MyPolicySelection)((IPolicyPlugin)new MyPolicyPlugin()).Create(new MyPolicyOptions { KeepFraction = keepFraction, Floor = floor }, new PolicyContext(sampleCount, 1, 0));

    /// <summary>A score board with chosen EMA means and nothing else observed.</summary>
    private sealed class Board(int count) : IScoreView
    {
        public float[] MeanValues { get; init; } = Enumerable.Repeat(float.NaN, count).ToArray();
        public int Count => count;
        public bool HigherIsHarder => true;
        public ReadOnlySpan<float> Latest => MeanValues;
        public ReadOnlySpan<float> Mean => MeanValues;
        public ReadOnlySpan<float> Variance => new float[count];
        public ReadOnlySpan<int> TimesObserved => new int[count];
        public ReadOnlySpan<int> LastEpochObserved => Enumerable.Repeat(-1, count).ToArray();
        public ReadOnlySpan<int> TimesSelected => new int[count];
    }
}
