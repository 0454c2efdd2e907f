using System.Diagnostics;
using Winnow.Plugins.Policies;
using static Winnow.Tests.Policies.PolicyTesting;

namespace Winnow.Tests.Policies;

/// <summary>The shared top-K helper: exact on hand inputs, equal to a full sort on random ones, fast on ImageNet-sized ones.</summary>
[TestClass]
public sealed class SelectionTests
{
    private static readonly float[] Mixed = [0.5f, 3f, -1f, 2f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1f];

    [TestMethod]
    [DataRow(1, new[] { 4 })]              // NaN ranks above everything
    [DataRow(2, new[] { 4, 5 })]           // then +inf
    [DataRow(3, new[] { 1, 4, 5 })]        // then 3
    [DataRow(5, new[] { 1, 3, 4, 5, 7 })]  // 2, then 1
    [DataRow(8, new[] { 0, 1, 2, 3, 4, 5, 6, 7 })]
    public void LargestOrdersNaNThenInfinityThenNumbers(int k, int[] expected) =>
        CollectionAssert.AreEqual(expected, Selection.Largest(Mixed, k));

    [TestMethod]
    [DataRow(1, new[] { 4 })]              // NaN (unknown) is still taken first
    [DataRow(2, new[] { 4, 6 })]           // then -inf
    [DataRow(3, new[] { 2, 4, 6 })]        // then -1
    [DataRow(4, new[] { 0, 2, 4, 6 })]     // then 0.5
    public void SmallestOrdersNaNThenNegativeInfinityThenNumbers(int k, int[] expected) =>
        CollectionAssert.AreEqual(expected, Selection.Smallest(Mixed, k));

    [TestMethod]
    [DataRow(5, new[] { 0, 2, 3, 6, 9 })]      // shares 2.5, 1.5, 1: remainders tie, the lower class gets the fifth: 3, 1, 1
    [DataRow(2, new[] { 3, 6 })]               // shares 1, 0.6, 0.4: class 0 gets 1, then the larger remainder (class 1) the other
    [DataRow(10, new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 })]
    public void SmallestPerClassFillsEachClassInProportionWithItsOwnSmallest(int count, int[] expected)
    {
        // class 0: samples 0, 3, 4, 7, 9; class 1: 1, 6, 8; class 2: 2, 5.
        int[] labels = [0, 1, 2, 0, 0, 2, 1, 0, 1, 0];
        float[] keys = [0.1f, 5f, -2f, -3f, 9f, 4f, -1f, 8f, 0f, 7f];

        var chosen = Selection.SmallestPerClass(keys, labels, count);

        CollectionAssert.AreEqual(expected, chosen);
    }

    [TestMethod]
    public void SmallestPerClassKeepsAClassThatTheGlobalSmallestWouldDrop()
    {
        // Every margin of class 1 is larger than every margin of class 0: the global K smallest are all of class 0.
        int[] labels = [0, 0, 0, 0, 1, 1, 1, 1];
        float[] keys = [-4f, -3f, -2f, -1f, 1f, 2f, 3f, 4f];

        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3 }, Selection.Smallest(keys, 4));
        CollectionAssert.AreEqual(new[] { 0, 1, 4, 5 }, Selection.SmallestPerClass(keys, labels, 4));
    }

    [TestMethod]
    public void TiesGoToTheLowerIndexWithoutAGenerator()
    {
        float[] keys = [1f, 2f, 2f, 2f, 0f, 2f];
        CollectionAssert.AreEqual(new[] { 1, 2 }, Selection.Largest(keys, 2));
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 5 }, Selection.Largest(keys, 4));
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 5 }, Selection.Largest(keys, 5));
        CollectionAssert.AreEqual(new[] { 4, 0 }.Order().ToArray(), Selection.Smallest(keys, 2));
        // -0 and +0 are one value; NaNs tie with each other.
        CollectionAssert.AreEqual(new[] { 0 }, Selection.Largest([-0f, 0f, -1f], 1));
        CollectionAssert.AreEqual(new[] { 0 }, Selection.Largest([0f, -0f, -1f], 1));
        CollectionAssert.AreEqual(new[] { 1, 2 }, Selection.Largest([5f, float.NaN, float.NaN, float.NaN], 2));
    }

    [TestMethod]
    public void TiesAtTheBoundaryAreBrokenUniformlyWithAGenerator()
    {
        // Sample 0 is above the boundary, samples 1..5 tie on it, 6 and 7 are below: K = 3 keeps 0 and two of the five.
        float[] keys = [9f, 4f, 4f, 4f, 4f, 4f, 1f, 0f];
        const int draws = 5000;
        var counts = new int[keys.Length];
        for (var seed = 0; seed < draws; seed++)
        {
            var chosen = Selection.Largest(keys, 3, new Random(seed));
            AssertSortedDistinct(chosen, keys.Length);
            Assert.HasCount(3, chosen);
            foreach (var s in chosen) counts[s]++;
        }
        Assert.AreEqual(draws, counts[0], "the sample above the boundary is always kept");
        Assert.AreEqual(0, counts[6] + counts[7], "samples below the boundary are never kept");
        // Each tied sample is kept with probability 2/5; sd over 5000 draws ~0.007.
        for (var i = 1; i <= 5; i++) Assert.AreEqual(0.4, counts[i] / (double)draws, 0.03, $"tied sample {i}");
    }

    [TestMethod]
    public void AGeneratorIsNotDrawnFromWhenNoTieNeedsBreaking()
    {
        var used = new Random(5);
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, Selection.Largest([0f, 2f, 2f, 3f, 1f], 3, used));
        Assert.AreEqual(new Random(5).Next(), used.Next(), "both tied samples were kept: nothing to draw");
    }

    [TestMethod]
    public void EdgeCountsAreExact()
    {
        CollectionAssert.AreEqual(Array.Empty<int>(), Selection.Largest(Mixed, 0));
        CollectionAssert.AreEqual(Enumerable.Range(0, 8).ToArray(), Selection.Smallest(Mixed, 8));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Selection.Largest(Mixed, 9));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Selection.Largest(Mixed, -1));
    }

    [TestMethod]
    [DataRow("random")]
    [DataRow("few-values")]
    [DataRow("ascending")]
    [DataRow("descending")]
    [DataRow("organ-pipe")]
    [DataRow("all-equal")]
    [DataRow("specials")]
    public void LargestAndSmallestEqualAFullSort(string pattern)
    {
        const int n = 20_011;
        var random = new Random(pattern.Length);
        var keys = Enumerable.Range(0, n).Select(i => pattern switch
        {
            "random" => (float)random.NextDouble(),
            "few-values" => random.Next(7),
            "ascending" => i,
            "descending" => -i,
            "organ-pipe" => Math.Min(i, n - i),
            "all-equal" => 1f,
            _ => random.Next(5) switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, _ => (float)random.NextDouble() },
        }).ToArray();
        var negated = keys.Select(x => -x).ToArray();
        foreach (var k in new[] { 1, 2, 17, n / 3, n / 2, n - 1 })
        {
            CollectionAssert.AreEqual(SortedTop(keys, k), Selection.Largest(keys, k), $"largest, k = {k}");
            CollectionAssert.AreEqual(SortedTop(negated, k), Selection.Smallest(keys, k), $"smallest, k = {k}");
            var randomTies = Selection.Largest(keys, k, new Random(k));
            AssertSortedDistinct(randomTies, n);
            Assert.HasCount(k, randomTies);
            // With random tie-breaking the multiset of chosen keys is still the top-K's.
            CollectionAssert.AreEqual(SortedTop(keys, k).Select(i => keys[i]).Order().ToArray(), randomTies.Select(i => keys[i]).Order().ToArray(), $"keys, k = {k}");
        }
    }

    [TestMethod]
    public void OneSelectionOverImageNetTakesWellUnderASecond()
    {
        // The benchmark's budget is 50 ms on one core; this bound only catches a quadratic case (all ties, sorted input).
        const int n = 1_281_167;
        var random = new Random(3);
        var cases = new Dictionary<string, float[]>
        {
            ["random"] = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray(),
            ["all +inf"] = Enumerable.Repeat(float.PositiveInfinity, n).ToArray(),
            ["ascending"] = Enumerable.Range(0, n).Select(i => (float)i).ToArray(),
        };
        foreach (var (name, keys) in cases)
        {
            Selection.Largest(keys, n / 2, new Random(1)); // warm up the JIT
            var watch = Stopwatch.StartNew();
            var chosen = Selection.Largest(keys, n / 2, new Random(2));
            watch.Stop();
            Assert.HasCount(n / 2, chosen);
            Console.WriteLine($"{name}: {watch.Elapsed.TotalMilliseconds:F1} ms");
            Assert.IsLessThan(1000.0, watch.Elapsed.TotalMilliseconds, name);
        }
    }
}
