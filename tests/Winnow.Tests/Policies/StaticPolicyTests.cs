using System.ComponentModel.DataAnnotations;
using Winnow.Engine.Training;
using Winnow.Plugins.Policies;
using static Winnow.Tests.Policies.PolicyTesting;

namespace Winnow.Tests.Policies;

/// <summary>The static baselines: one selection, kept for the rest of the run.</summary>
[TestClass]
public sealed class StaticPolicyTests
{
    private static ISelectionPolicy StaticScore(int n, int epochs, int scoringEpochs = 2, string scorer = "el2n", int warmup = 0, int anneal = 0) =>
        ((IPolicyPlugin)new StaticScorePolicyPlugin()).Create(
            new StaticScoreOptions { KeepFraction = 0.3, ScoringEpochs = scoringEpochs, Scorer = scorer, Warmup = warmup, Anneal = anneal },
            new PolicyContext(n, epochs, 0));

    [TestMethod]
    [DataRow(true, new[] { 3, 7, 8 })]    // highest: NaN (never scored) 3, then 19 (7) and 18 (8)
    [DataRow(false, new[] { 0, 3, 9 })]   // lowest: NaN 3, then 0 (sample 0) and 1 (sample 9)
    public void ScoresOnceAtEpochSAndKeepsTheHardestForTheRestOfTheRun(bool higherIsHarder, int[] hardest)
    {
        const int n = 10, epochs = 6;
        float[] scored = [0f, 5f, 7f, float.NaN, 12f, 9f, 2f, 19f, 18f, 1f];
        var board = new ScoreBoard(n, higherIsHarder: higherIsHarder);
        var refresh = new FakeRefresh(board, _ => scored);
        var policy = StaticScore(n, epochs);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var plan = Plan(policy, board, epoch, seed: 3, refresh);
            Assert.IsNull(plan.Weights);
            if (epoch < 2)
            {
                CollectionAssert.AreEqual(Enumerable.Range(0, n).ToArray(), plan.Indices, $"scoring epoch {epoch} is full data");
                Assert.IsEmpty(refresh.Calls, "no scoring pass before epoch S");
                // Training observes values that would rank differently; only the pass at S counts.
                Observe(board, Enumerable.Range(0, n).Select(i => i == 3 ? float.NaN : i).ToArray(), epoch);
            }
            else
            {
                CollectionAssert.AreEqual(hardest, plan.Indices, $"epoch {epoch} keeps the K = 3 hardest of the scoring pass");
                Observe(board, Enumerable.Range(0, n).Select(i => i == 3 ? float.NaN : -i).ToArray(), epoch);
            }
        }
        Assert.HasCount(1, refresh.Calls);
        Assert.AreEqual((2, (int[]?)null, false), refresh.Calls[0]);
    }

    [TestMethod]
    public void ScoringStartsAfterTheWarmupAndTheAnnealIsFullData()
    {
        const int n = 10;
        var board = new ScoreBoard(n);
        var refresh = new FakeRefresh(board, _ => Scrambled(n));
        var policy = StaticScore(n, epochs: 8, scoringEpochs: 1, warmup: 2, anneal: 2);
        var sizes = Enumerable.Range(0, 8).Select(e => Plan(policy, board, e, refresh: refresh).Indices.Length).ToArray();
        CollectionAssert.AreEqual(new[] { 10, 10, 10, 3, 3, 3, 10, 10 }, sizes);
        CollectionAssert.AreEqual(new[] { 3 }, refresh.EpochsCalled);
    }

    [TestMethod]
    public void ScoringEpochsZeroScoresBeforeTheFirstEpoch()
    {
        var board = new ScoreBoard(10);
        var refresh = new FakeRefresh(board, _ => Scrambled(10));
        CollectionAssert.AreEqual(new[] { 1, 4, 7 }, Plan(StaticScore(10, 3, scoringEpochs: 0), board, 0, refresh: refresh).Indices);   // values 7, 8, 9
    }

    [TestMethod]
    [DataRow("el2n")]
    [DataRow("grand")]
    [DataRow("forgetting")]
    [DataRow("margin")]
    [DataRow("loss")]
    [DataRow("entropy")]
    public void AsksForItsScorer(string scorer)
    {
        var policy = StaticScore(10, 5, scorer: scorer);
        Assert.AreEqual(new PolicyNeeds(scorer, 0.8, null), policy.Needs);
        Assert.AreEqual(0.3, policy.NominalKeepFraction);
    }

    [TestMethod]
    public void AnEmptyScorerAndTooManyFullEpochsAreRefused()
    {
        var e = Assert.ThrowsExactly<ValidationException>(() => StaticScore(10, 5, scorer: ""));
        StringAssert.Contains(e.Message, "Scorer must name a scorer plugin");
        // Only the engine knows which scorer plugins are loaded: it refuses an unknown name (ScorerOptionRunTests), the policy passes it on.
        Assert.AreEqual("loss2", StaticScore(10, 5, scorer: "loss2").Needs.Scorer);
        var tooMany = Assert.ThrowsExactly<ArgumentException>(() => StaticScore(10, epochs: 5, scoringEpochs: 3, warmup: 1, anneal: 1));
        StringAssert.Contains(tooMany.Message, "Warmup (1) + ScoringEpochs (3) + Anneal (1) must be less than the run's 5 epochs");
        Assert.AreEqual(2, new StaticScoreOptions().ScoringEpochs);
        Assert.AreEqual("el2n", new StaticScoreOptions().Scorer);
    }

    [TestMethod]
    public void StaticRandomDrawsOnceFromTheFirstPrunedEpochAndKeepsIt()
    {
        const int n = 50, epochs = 8;
        var policy = ((IPolicyPlugin)new StaticRandomPolicyPlugin()).Create(new StaticRandomOptions { KeepFraction = 0.2, Warmup = 2, Anneal = 1 }, new PolicyContext(n, epochs, 0));
        var board = new ScoreBoard(n);
        var drawn = Selection.Uniform(n, 10, EpochRandom(seed: 9, epoch: 2));
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            // Every epoch gets its own generator; only epoch 2's is used.
            var plan = Plan(policy, board, epoch, seed: 9);
            Assert.IsNull(plan.Weights);
            if (epoch is < 2 or 7) CollectionAssert.AreEqual(Enumerable.Range(0, n).ToArray(), plan.Indices, $"epoch {epoch} is full data");
            else CollectionAssert.AreEqual(drawn, plan.Indices, $"epoch {epoch} reuses the draw of epoch 2");
        }
        Assert.AreEqual(0.2, policy.NominalKeepFraction);
    }

    [TestMethod]
    public void StaticRandomDrawsDifferWithTheSeed()
    {
        var a = Plan(StaticRandom(), new ScoreBoard(100), 0, seed: 1).Indices;
        var b = Plan(StaticRandom(), new ScoreBoard(100), 0, seed: 2).Indices;
        CollectionAssert.AreNotEqual(a, b);
        Assert.HasCount(50, a);
    }

    private static ISelectionPolicy StaticRandom() => ((IPolicyPlugin)new StaticRandomPolicyPlugin()).Create(new StaticRandomOptions(), new PolicyContext(100, 3, 0));
}
