using Winnow.Engine.Training;
using Winnow.Plugins.Policies;
using static Winnow.Tests.Policies.PolicyTesting;

namespace Winnow.Tests.Policies;

/// <summary>Seed 1's score-based policies: epsilon-greedy and UCB over the EMA of the loss.</summary>
[TestClass]
public sealed class BanditPolicyTests
{
    private static ISelectionPolicy EpsilonGreedy(int n, double keep, double epsilon, int epochs = 10) =>
        ((IPolicyPlugin)new EpsilonGreedyPolicyPlugin()).Create(new EpsilonGreedyOptions { KeepFraction = keep, Epsilon = epsilon }, new PolicyContext(n, epochs, 0));

    private static ISelectionPolicy Ucb(int n, double keep, double c) =>
        ((IPolicyPlugin)new UcbPolicyPlugin()).Create(new UcbOptions { KeepFraction = keep, C = c }, new PolicyContext(n, 10, 0));

    [TestMethod]
    [DataRow(0.3, 20, 14)]
    [DataRow(0.3, 10, 7)]
    [DataRow(0.25, 10, 8)]   // 7.5: halves away from zero
    [DataRow(0.35, 10, 7)]   // 6.5 on paper (6.4999... in double)
    [DataRow(0.0, 20, 20)]
    [DataRow(1.0, 20, 0)]
    public void ExploitCountIsRoundedShareOfK(double epsilon, int k, int expected) =>
        Assert.AreEqual(expected, EpsilonGreedyPolicyPlugin.ExploitCount(epsilon, k));

    [TestMethod]
    public void EpsilonGreedyExploitsTheFourteenHighestAndExploresSixOthers()
    {
        const int n = 100;
        var values = Scrambled(n);                       // sample i has EMA mean i*37 mod 100
        var board = Board(values);
        var top14 = SortedTop(values, 14);
        CollectionAssert.AreEquivalent(Enumerable.Range(86, 14).ToArray(), top14.Select(i => (int)values[i]).ToArray());

        var explored = new int[n];
        for (var seed = 0; seed < 300; seed++)
        {
            var plan = Plan(EpsilonGreedy(n, 0.2, 0.3), board, epoch: 0, seed);
            AssertSortedDistinct(plan.Indices, n);
            Assert.HasCount(20, plan.Indices);
            Assert.IsNull(plan.Weights);
            CollectionAssert.IsSubsetOf(top14, plan.Indices, "the 14 highest EMA losses are exploited");
            var others = plan.Indices.Except(top14).ToArray();
            Assert.HasCount(6, others);
            foreach (var s in others) explored[s]++;
        }
        // The six explored samples are uniform over the 86 others: each with probability 6/86 ≈ 0.07 (sd over 300 draws ≈ 0.015).
        for (var i = 0; i < n; i++)
        {
            if (top14.Contains(i)) Assert.AreEqual(0, explored[i]);
            else Assert.AreEqual(6.0 / 86, explored[i] / 300.0, 0.075, $"sample {i} (value {values[i]})");
        }
        // The 15th highest has no privilege over the lowest.
        Assert.IsLessThan(60, explored[Array.IndexOf(values, 85f)]);
    }

    [TestMethod]
    public void EpsilonGreedyRanksByTheEmaMeanNotTheLatestValue()
    {
        // Sample 0: 10 then 0 -> m = 10 + 0.8*(0 - 10) = 2, latest 0. Sample 1: 1 then 1 -> m = 1, latest 1.
        var board = new ScoreBoard(2, emaRate: 0.8);
        Observe(board, [10f, 1f], epoch: 0);
        Observe(board, [0f, 1f], epoch: 1);
        Assert.AreEqual(2f, board.Mean[0], 1e-6f);
        Assert.AreEqual(1f, board.Mean[1], 1e-6f);
        CollectionAssert.AreEqual(new[] { 0 }, Plan(EpsilonGreedy(2, 0.5, 0.0), board, epoch: 2).Indices);
    }

    [TestMethod]
    public void EpsilonZeroIsPureTopK()
    {
        var values = Scrambled(50);
        for (var seed = 0; seed < 5; seed++)
            CollectionAssert.AreEqual(SortedTop(values, 15), Plan(EpsilonGreedy(50, 0.3, 0.0), Board(values), epoch: 3, seed).Indices);
    }

    [TestMethod]
    public void EpsilonOneIsPureUniformRandom()
    {
        // With nothing exploited, the draw is random-dynamic's: the same uniform K-subset from the same generator, whatever the scores.
        var board = Board(Scrambled(50));
        for (var seed = 0; seed < 5; seed++)
        {
            var expected = Plan(RandomDynamicPlugin(50, 0.3), board, epoch: 3, seed).Indices;
            CollectionAssert.AreEqual(expected, Plan(EpsilonGreedy(50, 0.3, 1.0), board, epoch: 3, seed).Indices);
        }
    }

    private static ISelectionPolicy RandomDynamicPlugin(int n, double keep) =>
        ((IPolicyPlugin)new RandomDynamicPolicyPlugin()).Create(new RandomDynamicOptions { KeepFraction = keep }, new PolicyContext(n, 10, 0));

    [TestMethod]
    public void NeverObservedSamplesComeFirstAndTheFirstEpochIsUniform()
    {
        // Samples 0..4 unobserved (+inf), the rest observed: with K = 5 and eps = 0 exactly the unobserved are taken.
        var values = Enumerable.Range(0, 20).Select(i => i < 5 ? float.NaN : 100f + i).ToArray();
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, Plan(EpsilonGreedy(20, 0.25, 0.0), Board(values), epoch: 1).Indices);

        // All unobserved: every sample ties at +inf and the draw is uniform (0.2 each; sd over 2000 epochs ≈ 0.009).
        const int n = 50, draws = 2000;
        var counts = new int[n];
        var empty = new ScoreBoard(n);
        for (var seed = 0; seed < draws; seed++)
            foreach (var s in Plan(EpsilonGreedy(n, 0.2, 0.3), empty, epoch: 0, seed).Indices) counts[s]++;
        for (var i = 0; i < n; i++) Assert.AreEqual(0.2, counts[i] / (double)draws, 0.05, $"sample {i}");
        Assert.AreEqual(0.2, counts[..(n / 2)].Sum() / (double)(draws * n / 2), 0.01, "no positional bias");
    }

    [TestMethod]
    public void BanditsAskForTheLossAndTheirEmaRate()
    {
        var eg = ((IPolicyPlugin)new EpsilonGreedyPolicyPlugin()).Create(new EpsilonGreedyOptions { EmaRate = 0.6 }, new PolicyContext(10, 5, 0));
        Assert.AreEqual(new PolicyNeeds("loss", 0.6, null), eg.Needs);
        Assert.AreEqual(0.5, eg.NominalKeepFraction);
        var ucb = ((IPolicyPlugin)new UcbPolicyPlugin()).Create(new UcbOptions { EmaRate = 0.3, KeepFraction = 0.4 }, new PolicyContext(10, 5, 0));
        Assert.AreEqual(new PolicyNeeds("loss", 0.3, null), ucb.Needs);
        Assert.AreEqual(0.4, ucb.NominalKeepFraction);
    }

    // Sample 0 is steady: 1, 1, 1 -> m = 1, v = 0.
    // Sample 1 is "sometimes" hard: 0, 2, 0 -> after 2: d = 2, m = 1.6, v = 0.2*(0 + 0.8*4) = 0.64;
    // after 0: d = -1.6, m = 0.32, v = 0.2*(0.64 + 0.8*2.56) = 0.5376. UCB: 0.32 + c*0.73321... beats 1 once c > 0.9274.
    private static ScoreBoard SteadyAndSometimes()
    {
        var board = new ScoreBoard(2, emaRate: 0.8);
        Observe(board, [1f, 0f], epoch: 0);
        Observe(board, [1f, 2f], epoch: 1);
        Observe(board, [1f, 0f], epoch: 2);
        return board;
    }

    [TestMethod]
    public void EmaHistoriesFollowTheFormula()
    {
        var board = SteadyAndSometimes();
        Assert.AreEqual(1f, board.Mean[0], 1e-6f);
        Assert.AreEqual(0f, board.Variance[0], 1e-7f);
        Assert.AreEqual(0.32f, board.Mean[1], 1e-6f);
        Assert.AreEqual(0.5376f, board.Variance[1], 1e-6f);
    }

    [TestMethod]
    [DataRow(0.0, 0)]     // the higher mean wins
    [DataRow(0.9, 0)]     // 0.32 + 0.9*0.733 = 0.980 < 1
    [DataRow(0.95, 1)]    // 0.32 + 0.95*0.733 = 1.017 > 1
    [DataRow(1.0, 1)]     // the default: 1.053 > 1
    [DataRow(5.0, 1)]
    public void UcbKeepsTheHighVarianceSampleOnlyWhenCIsLarge(double c, int expected) =>
        CollectionAssert.AreEqual(new[] { expected }, Plan(Ucb(2, 0.5, c), SteadyAndSometimes(), epoch: 3).Indices);

    [TestMethod]
    public void UcbTakesTheTopKOfMeanPlusCTimesDeviationAndUnobservedFirst()
    {
        // Means 0..9 at one observation (variance 0) give the ranking by mean; sample 3 never observed ranks first.
        var values = Enumerable.Range(0, 10).Select(i => i == 3 ? float.NaN : i).ToArray();
        CollectionAssert.AreEqual(new[] { 3, 7, 8, 9 }, Plan(Ucb(10, 0.4, 1.0), Board(values), epoch: 1).Indices);
    }

    [TestMethod]
    public void UcbBreaksTiesUniformly()
    {
        const int n = 40, draws = 2000;
        var counts = new int[n];
        var empty = new ScoreBoard(n);
        for (var seed = 0; seed < draws; seed++)
            foreach (var s in Plan(Ucb(n, 0.25, 1.0), empty, epoch: 0, seed).Indices) counts[s]++;
        for (var i = 0; i < n; i++) Assert.AreEqual(0.25, counts[i] / (double)draws, 0.05, $"sample {i}");
    }
}
