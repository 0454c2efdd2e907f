using TorchSharp;
using Winnow.Plugins.Scorers;
using static TorchSharp.torch;
using static Winnow.Tests.Scorers.ScorerBatches;

namespace Winnow.Tests.Scorers;

/// <summary>el2n, grand, margin and entropy on <see cref="ScorerBatches.ThreeByThree"/>, against values worked out by hand.</summary>
[TestClass]
public sealed class ClassificationScorerTests
{
    private const double Tolerance = 1e-6;

    private static IScorer Create(IScorerPlugin plugin) => plugin.Create(new NoOptions(), new ScorerContext(10));

    // ||q − y||_2 of the three rows, from q = [1/8, 2/8, 5/8] (y = 2), [3/10, 1/10, 6/10] (y = 0), [1/3, 1/3, 1/3] (y = 1).
    private static readonly double[] ErrorNorms =
    [
        Math.Sqrt(Square(1.0 / 8) + Square(2.0 / 8) + Square(5.0 / 8 - 1)),
        Math.Sqrt(Square(3.0 / 10 - 1) + Square(1.0 / 10) + Square(6.0 / 10)),
        Math.Sqrt(Square(1.0 / 3) + Square(1.0 / 3 - 1) + Square(1.0 / 3)),
    ];

    [TestMethod]
    public void El2nIsTheNormOfSoftmaxMinusOneHot()
    {
        using var scope = torch.NewDisposeScope();
        var scorer = Create(new El2nScorerPlugin());

        var scores = Values(scorer.Score(ThreeByThree(withFeatures: false)));

        Assert.HasCount(3, scores);
        Assert.AreEqual(Math.Sqrt(14) / 8, ErrorNorms[0], 1e-12); // the table above, checked once by another route
        for (var i = 0; i < 3; i++) Assert.AreEqual(ErrorNorms[i], scores[i], Tolerance, $"row {i}");
        Assert.IsTrue(scorer.HigherIsHarder);
        Assert.IsFalse(scorer.NeedsFeatures);
    }

    [TestMethod]
    public void GrandScalesTheErrorNormByTheFeatureNormWithBias()
    {
        using var scope = torch.NewDisposeScope();
        var scorer = Create(new GrandScorerPlugin());

        var scores = Values(scorer.Score(ThreeByThree()));

        // sqrt(||h||^2 + 1) for h = [1, 2], [0, 0], [3, -4]: the + 1 alone keeps row 1 from vanishing.
        Assert.HasCount(3, scores);
        Assert.AreEqual(ErrorNorms[0] * Math.Sqrt(1 + 4 + 1), scores[0], Tolerance);
        Assert.AreEqual(ErrorNorms[1] * Math.Sqrt(0 + 0 + 1), scores[1], Tolerance);
        Assert.AreEqual(ErrorNorms[2] * Math.Sqrt(9 + 16 + 1), scores[2], Tolerance);
        Assert.IsTrue(scorer.HigherIsHarder);
        Assert.IsTrue(scorer.NeedsFeatures);
    }

    [TestMethod]
    public void GrandWithoutFeaturesSaysItNeedsThem()
    {
        using var scope = torch.NewDisposeScope();
        var scorer = Create(new GrandScorerPlugin());

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => scorer.Score(ThreeByThree(withFeatures: false)));

        Assert.Contains("features", error.Message);
    }

    [TestMethod]
    public void MarginIsTheTargetLogitMinusTheBestOtherAndLowerIsHarder()
    {
        using var scope = torch.NewDisposeScope();
        var scorer = Create(new MarginScorerPlugin());

        var scores = Values(scorer.Score(ThreeByThree(withFeatures: false)));

        Assert.HasCount(3, scores);
        Assert.AreEqual(Math.Log(5) - Math.Log(2), scores[0], Tolerance);   // right: z_2 = ln 5 beats z_1 = ln 2
        Assert.AreEqual(Math.Log(3) - Math.Log(6), scores[1], Tolerance);   // wrong: z_0 = ln 3 loses to z_2 = ln 6
        Assert.IsLessThan(0f, scores[1]);
        Assert.AreEqual(0, scores[2], Tolerance);                           // a tie sits on the boundary
        Assert.IsFalse(scorer.HigherIsHarder);
        Assert.IsFalse(scorer.NeedsFeatures);
    }

    [TestMethod]
    public void EntropyIsMinusTheSumOfQLogQ()
    {
        using var scope = torch.NewDisposeScope();
        var scorer = Create(new EntropyScorerPlugin());

        var scores = Values(scorer.Score(ThreeByThree(withFeatures: false)));

        Assert.HasCount(3, scores);
        Assert.AreEqual(-(1.0 / 8 * Math.Log(1.0 / 8) + 2.0 / 8 * Math.Log(2.0 / 8) + 5.0 / 8 * Math.Log(5.0 / 8)), scores[0], Tolerance);
        Assert.AreEqual(-(3.0 / 10 * Math.Log(3.0 / 10) + 1.0 / 10 * Math.Log(1.0 / 10) + 6.0 / 10 * Math.Log(6.0 / 10)), scores[1], Tolerance);
        Assert.AreEqual(Math.Log(3), scores[2], Tolerance); // uniform over three classes
        Assert.IsTrue(scorer.HigherIsHarder);
        Assert.IsFalse(scorer.NeedsFeatures);
    }

    [TestMethod]
    public void EntropyCountsZeroTimesLogZeroAsZero()
    {
        using var scope = torch.NewDisposeScope();
        // Row 0: a class at −∞ has q = 0 exactly, so the row is a fair coin: ln 2.
        // Row 1: q_0 = e^−200 underflows float32 to 0; log_softmax still gives −200 and the row's entropy is ~200·e^−200 ≈ 0.
        var logits = torch.tensor(new[] { 0f, 0f, float.NegativeInfinity, 0f, 200f, 200f }, [2, 3]);
        var targets = torch.tensor(new long[] { 0, 1 });
        var outcome = new BatchOutcome(torch.tensor(new long[] { 0, 1 }), logits, targets, torch.zeros(2), null, 0);

        var scores = Values(Create(new EntropyScorerPlugin()).Score(outcome));

        Assert.AreEqual(Math.Log(2), scores[0], Tolerance);
        Assert.AreEqual(Math.Log(2), scores[1], Tolerance); // classes 1 and 2 tie at 200: a fair coin again, plus ~0
    }

    [TestMethod]
    public void ScoresAreFloat32WhateverThePrecisionOfTheLogits()
    {
        using var scope = torch.NewDisposeScope();
        var batch = ThreeByThree();
        var outcome = batch with { Logits = batch.Logits.to_type(ScalarType.Float64), Features = batch.Features!.to_type(ScalarType.Float64) };

        foreach (var plugin in new IScorerPlugin[] { new El2nScorerPlugin(), new GrandScorerPlugin(), new MarginScorerPlugin(), new EntropyScorerPlugin() })
        {
            var scores = Create(plugin).Score(outcome);
            Assert.AreEqual(ScalarType.Float32, scores.dtype, plugin.GetType().Name);
            CollectionAssert.AreEqual(new long[] { 3 }, scores.shape, plugin.GetType().Name);
        }
    }

    [TestMethod]
    public void MarginNeedsTwoClasses()
    {
        using var scope = torch.NewDisposeScope();
        var outcome = new BatchOutcome(torch.tensor(new long[] { 0 }), torch.zeros(1, 1), torch.zeros(1, dtype: ScalarType.Int64), torch.zeros(1), null, 0);

        var error = Assert.ThrowsExactly<ArgumentException>(() => Create(new MarginScorerPlugin()).Score(outcome));

        Assert.Contains("at least 2 classes", error.Message);
    }

    [TestMethod]
    public void MismatchedTargetsAreRefused()
    {
        using var scope = torch.NewDisposeScope();
        var batch = ThreeByThree();
        var outcome = batch with { Targets = torch.tensor(new long[] { 0, 1 }) };

        foreach (var plugin in new IScorerPlugin[] { new El2nScorerPlugin(), new GrandScorerPlugin(), new MarginScorerPlugin(), new EntropyScorerPlugin(), new ForgettingScorerPlugin() })
            Assert.ThrowsExactly<ArgumentException>(() => Create(plugin).Score(outcome), plugin.GetType().Name);
    }
}
