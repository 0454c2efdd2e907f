using System.ComponentModel.DataAnnotations;
using Winnow.Engine.Training;
using Winnow.Plugins.Policies;
using static Winnow.Tests.Policies.PolicyTesting;

namespace Winnow.Tests.Policies;

/// <summary>Any scorer with any ranking policy: each names its scorer in its <c>Scorer</c> option, and ranks by hardness in the
/// direction the scorer gives (<see cref="IScoreView.HigherIsHarder"/>). Every expected selection below is worked out by hand.</summary>
[TestClass]
public sealed class ScorerDirectionTests
{
    private const string Custom = "loss-delta";

    // Six samples seen twice at EMA rate 0.5, sample 4 never: m = (x1 + x2)/2 and v = (1 − a)·a·d² = d²/4, so sqrt(v) = |x2 − x1|/2.
    //   sample   x1   x2  |  m    sqrt(v)  latest
    //      0      8    0  |  4      4        0
    //      1     -7    5  | -1      6        5
    //      2      7    7  |  7      0        7
    //      3     10   -6  |  2      8       -6
    //      4      -    -  |  unseen
    //      5     -1    1  |  0      1        1
    private static ScoreBoard TwiceSeen(bool higherIsHarder)
    {
        var board = new ScoreBoard(6, emaRate: 0.5, higherIsHarder: higherIsHarder);
        Observe(board, [8f, -7f, 7f, 10f, float.NaN, -1f], epoch: 0);
        Observe(board, [0f, 5f, 7f, -6f, float.NaN, 1f], epoch: 1);
        return board;
    }

    private static ISelectionPolicy Make(IPolicyPlugin plugin, object options, int n = 6, int epochs = 4, IReadOnlyList<int>? labels = null) =>
        plugin.Create(options, new PolicyContext(n, epochs, 0) { Labels = labels ?? [] });

    [TestMethod]
    public void TheBoardAboveHoldsTheHandComputedStatistics()
    {
        var board = TwiceSeen(higherIsHarder: true);
        CollectionAssert.AreEqual(new[] { 4f, -1f, 7f, 2f, float.NaN, 0f }, board.Mean.ToArray());
        CollectionAssert.AreEqual(new[] { 16f, 36f, 0f, 64f, 0f, 1f }, board.Variance.ToArray());
        CollectionAssert.AreEqual(new[] { 0f, 5f, 7f, -6f, float.NaN, 1f }, board.Latest.ToArray());
    }

    // ---- epsilon-greedy: exploit the (1 − eps)·K hardest EMA means ----

    private static ISelectionPolicy EpsilonGreedy(double epsilon) =>
        Make(new EpsilonGreedyPolicyPlugin(), new EpsilonGreedyOptions { KeepFraction = 0.5, Epsilon = epsilon, EmaRate = 0.5, Scorer = Custom });

    [TestMethod]
    // K = 3. Higher is harder: unseen 4, then m = 7 (sample 2) and 4 (sample 0); the latest values would take 2 and 1 instead.
    [DataRow(true, new[] { 0, 2, 4 })]
    // Lower is harder: unseen 4, then m = −1 (sample 1) and 0 (sample 5); the latest values would take 3 and 0 instead.
    [DataRow(false, new[] { 1, 4, 5 })]
    public void EpsilonGreedyExploitsTheHardestMeansOfEitherDirection(bool higherIsHarder, int[] hardest)
    {
        Assert.AreEqual(Custom, EpsilonGreedy(0).Needs.Scorer);
        var board = TwiceSeen(higherIsHarder);
        for (var seed = 0; seed < 5; seed++)
            CollectionAssert.AreEqual(hardest, Plan(EpsilonGreedy(0), board, epoch: 2, seed).Indices, "eps 0: pure exploitation");

        // eps 1/3: round(2/3·3) = 2 exploited, the two hardest (unseen 4 and the hardest mean); one more drawn from the other four.
        var exploited = higherIsHarder ? new[] { 2, 4 } : new[] { 1, 4 };
        var explored = new HashSet<int>();
        for (var seed = 0; seed < 50; seed++)
        {
            var plan = Plan(EpsilonGreedy(1.0 / 3), board, epoch: 2, seed).Indices;
            Assert.HasCount(3, plan);
            CollectionAssert.IsSubsetOf(exploited, plan);
            explored.UnionWith(plan.Except(exploited));
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 6).Except(exploited).ToArray(), explored.ToArray(), "the explored one is any of the rest");
    }

    // ---- ucb: the upper confidence bound on hardness, h + C·sqrt(v) with h = ±m ----

    private static ISelectionPolicy Ucb(double c) =>
        Make(new UcbPolicyPlugin(), new UcbOptions { KeepFraction = 0.5, C = c, EmaRate = 0.5, Scorer = Custom });

    [TestMethod]
    // Higher is harder, m + sqrt(v): 8, 5, 7, 10, unseen, 1 -> unseen 4, then 3 (10) and 0 (8).
    [DataRow(true, 1.0, new[] { 0, 3, 4 })]
    // Lower is harder, −m + sqrt(v): 0, 7, −7, 6, unseen, 1 -> unseen 4, then 1 (7) and 3 (6).
    [DataRow(false, 1.0, new[] { 1, 3, 4 })]
    // Without the bonus, lower is harder ranks by −m: −4, 1, −7, −2, unseen, 0 -> 4, 1, 5: the bonus is what brings in sample 3.
    [DataRow(false, 0.0, new[] { 1, 4, 5 })]
    public void UcbTakesTheUpperBoundOnHardnessOfEitherDirection(bool higherIsHarder, double c, int[] hardest)
    {
        Assert.AreEqual(Custom, Ucb(c).Needs.Scorer);
        var board = TwiceSeen(higherIsHarder);
        for (var seed = 0; seed < 5; seed++)
            CollectionAssert.AreEqual(hardest, Plan(Ucb(c), board, epoch: 2, seed).Indices);
    }

    // ---- static-score and dynams: the K hardest of a fresh pass over all N ----

    // Fresh values of the pass; sample 3 is not scored. K = 3.
    private static readonly float[] Fresh = [0.9f, 0.2f, 0.5f, float.NaN, 0.7f, 0.1f];

    [TestMethod]
    [DataRow(true, new[] { 0, 3, 4 })]    // unscored 3, then 0.9 (0) and 0.7 (4)
    [DataRow(false, new[] { 1, 3, 5 })]   // unscored 3, then 0.1 (5) and 0.2 (1)
    public void StaticScoreKeepsTheHardestOfItsScorerInEitherDirection(bool higherIsHarder, int[] hardest)
    {
        var board = new ScoreBoard(6, higherIsHarder: higherIsHarder);
        var refresh = new FakeRefresh(board, _ => Fresh);
        var policy = Make(new StaticScorePolicyPlugin(), new StaticScoreOptions { KeepFraction = 0.5, ScoringEpochs = 0, Scorer = Custom });
        Assert.AreEqual(Custom, policy.Needs.Scorer);

        CollectionAssert.AreEqual(hardest, Plan(policy, board, epoch: 0, refresh: refresh).Indices);
        CollectionAssert.AreEqual(hardest, Plan(policy, board, epoch: 1, refresh: refresh).Indices, "kept for the rest of the run");
        Assert.HasCount(1, refresh.Calls);
    }

    [TestMethod]
    // The pass leaves sample 3 unscored, so it keeps its stale −9. Higher is harder: 0.9 (0), 0.7 (4), 0.5 (2); −9 is the easiest.
    [DataRow(true, new[] { 0, 2, 4 })]
    // Lower is harder, DynaMS's own rule with margins: −9 (3), 0.1 (5), 0.2 (1).
    [DataRow(false, new[] { 1, 3, 5 })]
    public void DynamsKeepsTheHardestOfItsScorerInEitherDirection(bool higherIsHarder, int[] hardest)
    {
        // The stale board ranks the other way round ({1, 2, 5} and {0, 3, 4}): only the refreshed values may decide.
        var board = Board([-0.9f, -0.2f, -0.5f, -9f, -0.7f, -0.1f], higherIsHarder: higherIsHarder);
        var refresh = new FakeRefresh(board, _ => Fresh);
        var policy = Make(new DynamsPolicyPlugin(), new DynamsOptions { KeepFraction = 0.5, Proxy = DynamsProxy.None, ByMagnitude = false, ClassBalanced = false, Scorer = Custom });
        Assert.AreEqual(new PolicyNeeds(Custom, 0.8, null), policy.Needs);

        CollectionAssert.AreEqual(hardest, Plan(policy, board, epoch: 0, refresh: refresh).Indices);
        Assert.HasCount(1, refresh.Calls);
    }

    [TestMethod]
    // Class 0 is samples 0..3 with 5, 4, −5, −6; class 1 is 4, 5 with 0, 1. K = round(0.35·6) = 2, one per class (shares 1.33 and
    // 0.67, the larger remainder to class 1).
    [DataRow(true, new[] { 0, 5 }, new[] { 0, 1 })]    // per class 5 (0) and 1 (5); globally 5 and 4, both of class 0
    [DataRow(false, new[] { 3, 4 }, new[] { 2, 3 })]   // per class −6 (3) and 0 (4); globally −6 and −5, both of class 0
    public void DynamsClassBalancedTakesEachClasssHardestInEitherDirection(bool higherIsHarder, int[] balanced, int[] global)
    {
        float[] fresh = [5f, 4f, -5f, -6f, 0f, 1f];
        int[] labels = [0, 0, 0, 0, 1, 1];
        var board = new ScoreBoard(6, higherIsHarder: higherIsHarder);
        var refresh = new FakeRefresh(board, _ => fresh);
        ISelectionPolicy Dynams(bool classBalanced) => Make(new DynamsPolicyPlugin(),
            new DynamsOptions { KeepFraction = 0.35, Proxy = DynamsProxy.None, ByMagnitude = false, ClassBalanced = classBalanced, Scorer = Custom }, labels: labels);

        CollectionAssert.AreEqual(balanced, Plan(Dynams(true), board, epoch: 0, refresh: refresh).Indices);
        CollectionAssert.AreEqual(global, Plan(Dynams(false), board, epoch: 0, refresh: refresh).Indices);
    }

    // ---- infobatch: "well learned" is easier than the mean ----

    [TestMethod]
    // Higher is harder (losses 0.5, 4, 1, 6, 0.5, unseen = InitialScore 3): mean 15/6 = 2.5; 0, 2 and 4 are below it.
    [DataRow(true, new[] { 0.5f, 4f, 1f, 6f, 0.5f, float.NaN })]
    // Lower is harder (margins −0.5, −4, −1, −6, −0.5, unseen): hardness 0.5, 4, 1, 6, 0.5 and InitialScore 3 (a margin of −3);
    // 0, 2 and 4 are above the mean margin −2.5. Read raw, "below the mean" would call 1 and 3 well learned, and an unseen
    // margin of +3 would prune sample 5.
    [DataRow(false, new[] { -0.5f, -4f, -1f, -6f, -0.5f, float.NaN })]
    public void InfoBatchPrunesTheSamplesEasierThanTheMeanInEitherDirection(bool higherIsHarder, float[] latest)
    {
        var board = Board(latest, higherIsHarder: higherIsHarder);
        var policy = Make(new InfoBatchPolicyPlugin(), new InfoBatchOptions { KeepFraction = 0.5, Scorer = Custom }, epochs: 10);
        Assert.AreEqual(Custom, policy.Needs.Scorer);
        var kept = new HashSet<int>();
        for (var seed = 0; seed < 40; seed++)
        {
            var plan = Plan(policy, board, epoch: 0, seed);
            // floor(0.5·3) = 1 of the three well-learned kept with weight 2; 1, 3 and the unseen 5 kept with weight 1.
            Assert.HasCount(4, plan.Indices);
            CollectionAssert.IsSubsetOf(new[] { 1, 3, 5 }, plan.Indices);
            for (var j = 0; j < plan.Indices.Length; j++)
                Assert.AreEqual(plan.Indices[j] is 1 or 3 or 5 ? 1f : 2f, plan.Weights![j], $"sample {plan.Indices[j]}");
            kept.UnionWith(plan.Indices.Except([1, 3, 5]));
        }
        CollectionAssert.AreEquivalent(new[] { 0, 2, 4 }, kept.ToArray(), "the kept well-learned sample is drawn from 0, 2 and 4");
    }

    // ---- the same plans for a scorer and its mirror image ----

    /// <summary>A lower-is-harder scorer whose values are the negated values of a higher-is-harder one must give the same plans:
    /// each policy ranks by hardness only. Boards of random values, some samples unseen, several seeds and epochs.</summary>
    [TestMethod]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    [DataRow("static-score")]
    [DataRow("dynams")]
    [DataRow("infobatch")]
    public void AScorerAndItsMirrorImageGiveTheSamePlans(string name)
    {
        const int n = 40, epochs = 6;
        for (var trial = 0; trial < 4; trial++)
        {
            var random = new Random(100 + trial);
            // Coarse values so that ties occur and both boards break them with the same draws.
            float[] Values() => Enumerable.Range(0, n).Select(_ => random.Next(8) == 0 ? float.NaN : random.Next(-6, 7) / 2f).ToArray();
            var observations = Enumerable.Range(0, 3).Select(_ => Values()).ToArray();
            var refreshes = Enumerable.Range(0, epochs).Select(_ => Values()).ToArray();
            var (a, b) = (Mirror(name, n, epochs, observations, refreshes, mirrored: false), Mirror(name, n, epochs, observations, refreshes, mirrored: true));
            for (var epoch = 0; epoch < epochs; epoch++)
            {
                CollectionAssert.AreEqual(a[epoch].Indices, b[epoch].Indices, $"trial {trial}, epoch {epoch}");
                CollectionAssert.AreEqual(a[epoch].Weights, b[epoch].Weights, $"trial {trial}, epoch {epoch}");
            }
        }
    }

    private static EpochPlan[] Mirror(string name, int n, int epochs, float[][] observations, float[][] refreshes, bool mirrored)
    {
        float[] Signed(float[] values) => mirrored ? values.Select(v => -v).ToArray() : values;
        var (plugin, options) = Pruning(name);
        // Ranking by |s| is not mirror-symmetric by design: the mirror image −s has the same magnitudes but the other direction.
        if (options is DynamsOptions dynams) dynams.ByMagnitude = false;
        var policy = plugin.Create(options, Context(n, epochs, seed: 3));
        var board = new ScoreBoard(n, policy.Needs.EmaRate, higherIsHarder: !mirrored);
        for (var i = 0; i < observations.Length; i++) Observe(board, Signed(observations[i]), epoch: 0);
        var refresh = new FakeRefresh(board, call => Signed(refreshes[call]));
        return Enumerable.Range(0, epochs).Select(e => Plan(policy, board, e, seed: 9, refresh)).ToArray();
    }

    // ---- the option ----

    [TestMethod]
    [DataRow("epsilon-greedy", "loss")]
    [DataRow("ucb", "loss")]
    [DataRow("static-score", "el2n")]
    [DataRow("dynams", "margin")]
    [DataRow("infobatch", "loss")]
    public void TheScorerOptionDefaultsToTheMathsAndIsWhatThePolicyAsksFor(string name, string defaultScorer)
    {
        var (plugin, options) = Pruning(name);
        var property = options.GetType().GetProperty("Scorer")!;
        Assert.AreEqual(defaultScorer, property.GetValue(options));
        Assert.AreEqual(defaultScorer, plugin.Create(options, Context(10, 5)).Needs.Scorer);

        property.SetValue(options, "any-scorer-at-all");
        Assert.AreEqual("any-scorer-at-all", plugin.Create(options, Context(10, 5)).Needs.Scorer, "any name: the engine checks it is loaded");

        foreach (var empty in new[] { "", "  " })
        {
            property.SetValue(options, empty);
            var e = Assert.ThrowsExactly<ValidationException>(() => plugin.Create(options, Context(10, 5)));
            StringAssert.Contains(e.Message, "Scorer must name a scorer plugin");
        }
    }

    [TestMethod]
    public void HardnessIsTheValueOrItsExactNegation()
    {
        Assert.AreEqual(2.5, Hardness.Of(2.5, higherIsHarder: true));
        Assert.AreEqual(-2.5, Hardness.Of(2.5, higherIsHarder: false));
        float[] values = [3f, float.NaN, -1f, 2f, 0f];
        CollectionAssert.AreEqual(new[] { 0, 1, 3 }, Hardness.Hardest(values, higherIsHarder: true, 3), "NaN (unscored) first, then 3 and 2");
        CollectionAssert.AreEqual(new[] { 1, 2, 4 }, Hardness.Hardest(values, higherIsHarder: false, 3), "NaN first, then −1 and 0");
        CollectionAssert.AreEqual(new[] { 0, 1, 3, 4 }, Hardness.HardestPerClass(values, higherIsHarder: true, [0, 0, 0, 1, 1], 4));
    }
}
