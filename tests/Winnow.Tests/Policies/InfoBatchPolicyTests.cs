using Winnow.Engine.Training;
using Winnow.Plugins.Policies;
using static Winnow.Tests.Policies.PolicyTesting;

namespace Winnow.Tests.Policies;

/// <summary>InfoBatch: random pruning of the below-mean samples with 1/k re-weighting, then full data from delta·E on.</summary>
[TestClass]
public sealed class InfoBatchPolicyTests
{
    private static ISelectionPolicy InfoBatch(int n, double keep, double delta = 0.875, int epochs = 10, double initial = 3.0) =>
        ((IPolicyPlugin)new InfoBatchPolicyPlugin()).Create(new InfoBatchOptions { KeepFraction = keep, Delta = delta, InitialScore = initial }, new PolicyContext(n, epochs, 0));

    // Twenty losses: 13 small (0.1..1.3) and 7 large (10..16); mean = (9.1 + 91) / 20 = 5.005, so 13 are well learned.
    private static readonly float[] Losses = [.. Enumerable.Range(1, 13).Select(i => i / 10f), .. Enumerable.Range(10, 7).Select(i => (float)i)];

    [TestMethod]
    [DataRow(0.3, 3)]    // floor(0.3*13) = floor(3.9)
    [DataRow(0.5, 6)]    // floor(6.5)
    [DataRow(0.1, 1)]    // floor(1.3)
    [DataRow(0.05, 0)]   // floor(0.65): every well-learned sample is pruned
    [DataRow(1.0, 13)]
    public void KeepsFloorKOfTheWellLearnedWithWeightOneOverK(double keep, int keptWellLearned)
    {
        var board = Board(Losses);
        var mean = Losses.Average();
        for (var seed = 0; seed < 20; seed++)
        {
            var plan = Plan(InfoBatch(20, keep), board, epoch: 0, seed);
            AssertSortedDistinct(plan.Indices, 20);
            Assert.IsNotNull(plan.Weights);
            Assert.HasCount(plan.Indices.Length, plan.Weights);
            Assert.HasCount(7 + keptWellLearned, plan.Indices);
            for (var j = 0; j < plan.Indices.Length; j++)
            {
                var s = plan.Indices[j];
                if (Losses[s] < mean) Assert.AreEqual((float)(1 / keep), plan.Weights[j], $"well-learned sample {s} kept with weight 1/k");
                else Assert.AreEqual(1f, plan.Weights[j], $"sample {s} at or above the mean kept with weight 1");
            }
            CollectionAssert.IsSubsetOf(Enumerable.Range(13, 7).ToArray(), plan.Indices, "every above-mean sample is kept");
            Assert.AreEqual(keptWellLearned, plan.Indices.Count(s => s < 13));
        }
    }

    [TestMethod]
    public void TheKeptWellLearnedSamplesAreAUniformDraw()
    {
        const int draws = 3000;
        var counts = new int[20];
        var board = Board(Losses);
        for (var seed = 0; seed < draws; seed++)
            foreach (var s in Plan(InfoBatch(20, 0.5), board, epoch: 2, seed).Indices) counts[s]++;
        // 6 of 13 kept: probability 0.4615 each (sd over 3000 ≈ 0.009).
        for (var i = 0; i < 13; i++) Assert.AreEqual(6.0 / 13, counts[i] / (double)draws, 0.05, $"well-learned sample {i}");
        for (var i = 13; i < 20; i++) Assert.AreEqual(draws, counts[i]);
    }

    [TestMethod]
    public void ASampleExactlyAtTheMeanIsNotWellLearned()
    {
        // Mean 3: samples 0 and 1 are below it; 2 (= mean), 3 and 4 are kept with weight 1. k = 0.5 keeps floor(1) = 1 of two.
        var plan = Plan(InfoBatch(5, 0.5), Board([1f, 2f, 3f, 4f, 5f]), epoch: 0);
        Assert.HasCount(4, plan.Indices);
        CollectionAssert.IsSubsetOf(new[] { 2, 3, 4 }, plan.Indices);
        CollectionAssert.AreEqual(new[] { 2f, 1f, 1f, 1f }, plan.Weights);
    }

    [TestMethod]
    public void UnobservedSamplesScoreTheInitialScore()
    {
        // Samples 4 and 5 were never trained. At InitialScore 3 (mean 10/6) they are above the mean and 0..3 are well learned;
        // at InitialScore 0.5 (mean 5/6) they are the well-learned ones.
        float[] values = [1f, 1f, 1f, 1f, float.NaN, float.NaN];
        var board = Board(values);

        var withDefault = Plan(InfoBatch(6, 0.5), board, epoch: 0);
        CollectionAssert.IsSubsetOf(new[] { 4, 5 }, withDefault.Indices);
        Assert.HasCount(4, withDefault.Indices);   // 2 of the 4 well learned
        Assert.AreEqual(2, withDefault.Weights!.Count(w => w == 2f));

        var withLow = Plan(InfoBatch(6, 0.5, initial: 0.5), board, epoch: 0);
        CollectionAssert.IsSubsetOf(new[] { 0, 1, 2, 3 }, withLow.Indices);
        Assert.HasCount(5, withLow.Indices);       // 1 of the 2 well learned
        Assert.AreEqual(1, withLow.Weights!.Count(w => w == 2f));

        // Nothing observed: all tie at the initial score, none is below the mean, nothing is pruned.
        var untouched = Plan(InfoBatch(6, 0.5), new ScoreBoard(6), epoch: 0);
        CollectionAssert.AreEqual(Enumerable.Range(0, 6).ToArray(), untouched.Indices);
        CollectionAssert.AreEqual(Enumerable.Repeat(1f, 6).ToArray(), untouched.Weights);
    }

    [TestMethod]
    public void UsesTheLatestLossNotTheMean()
    {
        // Sample 0: 9 then 0 (latest 0, EMA mean 1.8); samples 1, 2: 1 each. Latest mean = 2/3: only sample 0 is below it.
        var board = new ScoreBoard(3);
        Observe(board, [9f, 1f, 1f], epoch: 0);
        Observe(board, [0f, float.NaN, float.NaN], epoch: 1);
        var plan = Plan(InfoBatch(3, 0.05), board, epoch: 2);   // floor(0.05) = 0: the well-learned sample is pruned
        CollectionAssert.AreEqual(new[] { 1, 2 }, plan.Indices);
    }

    [TestMethod]
    [DataRow(0.875, 10, 9)]   // 8.75: epoch 8 prunes, 9 is full
    [DataRow(0.7, 10, 7)]     // exactly 7 on paper
    [DataRow(0.6, 3, 2)]      // 1.8
    [DataRow(1.0, 4, 4)]      // never full
    [DataRow(0.5, 8, 4)]
    public void FullDataWithNullWeightsFromCeilDeltaE(double delta, int epochs, int firstFull)
    {
        var board = Board(Losses);
        var policy = InfoBatch(20, 0.3, delta, epochs);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var plan = Plan(policy, board, epoch);
            Assert.AreEqual(epoch < firstFull, InfoBatchPolicyPlugin.Prunes(epoch, delta, epochs));
            if (epoch < firstFull)
            {
                Assert.HasCount(10, plan.Indices, $"epoch {epoch} prunes (7 + floor(0.3*13))");
                Assert.IsNotNull(plan.Weights);
            }
            else
            {
                CollectionAssert.AreEqual(Enumerable.Range(0, 20).ToArray(), plan.Indices, $"epoch {epoch} is full");
                Assert.IsNull(plan.Weights);
            }
        }
    }

    [TestMethod]
    public void AsksForTheLossAndReportsItsNominalFraction()
    {
        var policy = InfoBatch(10, 0.3);
        Assert.AreEqual("loss", policy.Needs.Scorer);
        Assert.IsNull(policy.Needs.Proxy);
        Assert.AreEqual(0.3, policy.NominalKeepFraction);
    }
}
