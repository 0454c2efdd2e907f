using System.ComponentModel.DataAnnotations;
using Winnow.Engine.Training;
using Winnow.Plugins.Policies;

namespace Winnow.Tests.Policies;

[TestClass]
public sealed class PolicyTests
{
    private static EpochPlan PlanFor(ISelectionPolicy policy, int n, int epoch, int seed) =>
        policy.Plan(new EpochContext(epoch, new ScoreBoard(n), new Random(seed)));

    private static ISelectionPolicy RandomDynamic(int n, double keepFraction) =>
        ((IPolicyPlugin)new RandomDynamicPolicyPlugin()).Create(new RandomDynamicOptions { KeepFraction = keepFraction }, new PolicyContext(n, Epochs: 10, Seed: 0));

    [TestMethod]
    [DataRow(1)]
    [DataRow(7)]
    [DataRow(1000)]
    public void FullReturnsEverySampleOnceWithoutWeights(int n)
    {
        var policy = ((IPolicyPlugin)new FullPolicyPlugin()).Create(new NoOptions(), new PolicyContext(n, 3, 0));
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var plan = PlanFor(policy, n, epoch, seed: epoch);
            CollectionAssert.AreEqual(Enumerable.Range(0, n).ToArray(), plan.Indices);
            Assert.IsNull(plan.Weights);
        }
    }

    [TestMethod]
    [DataRow(1, 1.0, 1)]
    [DataRow(1, 0.01, 1)]      // never empty
    [DataRow(5, 0.5, 3)]       // 2.5 rounds away from zero
    [DataRow(10, 0.35, 4)]     // 3.5 on paper, 3.4999... in double
    [DataRow(10, 0.34, 3)]
    [DataRow(3, 0.5, 2)]       // 1.5
    [DataRow(100, 1.0, 100)]
    [DataRow(1000, 0.3, 300)]
    [DataRow(60000, 0.7, 42000)]
    public void RandomDynamicDrawsKDistinctSortedIndices(int n, double keepFraction, int expectedK)
    {
        Assert.AreEqual(expectedK, RandomDynamicPolicyPlugin.KeepCount(keepFraction, n));
        var policy = RandomDynamic(n, keepFraction);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var plan = PlanFor(policy, n, epoch, seed: 100 + epoch);
            Assert.HasCount(expectedK, plan.Indices);
            Assert.IsNull(plan.Weights);
            for (var i = 0; i < plan.Indices.Length; i++)
            {
                Assert.IsTrue(plan.Indices[i] >= 0 && plan.Indices[i] < n, $"index {plan.Indices[i]} out of [0, {n})");
                if (i > 0) Assert.IsLessThan(plan.Indices[i], plan.Indices[i - 1], "indices must be strictly ascending (sorted and distinct)");
            }
        }
    }

    [TestMethod]
    public void RandomDynamicIsAFunctionOfTheEpochGenerator()
    {
        var policy = RandomDynamic(500, 0.5);
        var a = PlanFor(policy, 500, epoch: 4, seed: 42);
        var b = PlanFor(policy, 500, epoch: 4, seed: 42);
        var c = PlanFor(policy, 500, epoch: 5, seed: 43);
        // A second policy instance with the same generator reproduces the plan: nothing carries over between epochs.
        var d = PlanFor(RandomDynamic(500, 0.5), 500, epoch: 4, seed: 42);

        CollectionAssert.AreEqual(a.Indices, b.Indices);
        CollectionAssert.AreEqual(a.Indices, d.Indices);
        CollectionAssert.AreNotEqual(a.Indices, c.Indices);
    }

    [TestMethod]
    public void RandomDynamicSelectsEverySampleAtTheKeepFraction()
    {
        const int n = 1000, epochs = 400;
        const double keep = 0.3;
        var policy = RandomDynamic(n, keep);
        var board = new ScoreBoard(n);
        for (var epoch = 0; epoch < epochs; epoch++)
            board.CountSelected(policy.Plan(new EpochContext(epoch, board, new Random(12345 + epoch))).Indices);

        // A sample's frequency has sd ~0.023 over 400 epochs, so 0.12 is ~5 sd: a fair draw breaches it for some
        // sample with probability ~1e-4 whatever the seed (at 200 epochs it would be ~15%). An off-by-one in Next's
        // bound (a sample never chosen) or a full-range swap (biased towards low indices) lands far outside it.
        var counts = board.TimesSelected.ToArray();
        for (var i = 0; i < n; i++)
            Assert.AreEqual(keep, counts[i] / (double)epochs, 0.12, $"sample {i} selected {counts[i]} of {epochs} epochs");
        // The two halves of the index range get the same share: a positional bias would show here first.
        var firstHalf = counts[..(n / 2)].Sum() / (double)(n / 2 * epochs);
        var secondHalf = counts[(n / 2)..].Sum() / (double)(n / 2 * epochs);
        Assert.AreEqual(keep, firstHalf, 0.01);
        Assert.AreEqual(keep, secondHalf, 0.01);
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-0.1)]
    [DataRow(1.5)]
    [DataRow(double.NaN)]
    public void KeepFractionOutsideZeroToOneIsRejected(double keepFraction)
    {
        var options = new RandomDynamicOptions { KeepFraction = keepFraction };
        var results = new List<ValidationResult>();

        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.IsFalse(valid);
        Assert.HasCount(1, results);
        StringAssert.Contains(results[0].ErrorMessage, "KeepFraction");
        CollectionAssert.AreEqual(new[] { nameof(RandomDynamicOptions.KeepFraction) }, results[0].MemberNames.ToArray());
        Assert.ThrowsExactly<ValidationException>(() => ((IPolicyPlugin)new RandomDynamicPolicyPlugin()).Create(options, new PolicyContext(10, 1, 0)));
    }

    [TestMethod]
    [DataRow(1.0)]
    [DataRow(0.5)]
    [DataRow(1e-9)]
    public void KeepFractionInsideZeroToOneIsAccepted(double keepFraction)
    {
        var options = new RandomDynamicOptions { KeepFraction = keepFraction };
        Assert.IsTrue(Validator.TryValidateObject(options, new ValidationContext(options), new List<ValidationResult>(), validateAllProperties: true));
    }

    [TestMethod]
    public void DefaultKeepFractionIsHalf() => Assert.AreEqual(0.5, new RandomDynamicOptions().KeepFraction);
}
