using MyScorer;
using Winnow;

namespace MyScorer.Tests;

/// <summary>The scorer's maths, checked on hand-computed losses.</summary>
[TestClass]
public sealed class MyScorerTests
{
    [TestMethod]
    public void TheFirstScoreIsTheWeightedLossAndTheNextAddsTheChange()
    {
        var scorer = new LossChange(mix: 0.5, sampleCount: 3);

        var first = scorer.Scores([2f, 1f], [0, 2]);
        CollectionAssert.AreEqual(new[] { 1f, 0.5f }, first, "no change yet: 0.5·0 + 0.5·loss");

        var second = scorer.Scores([1f, 1f], [0, 2]);
        CollectionAssert.AreEqual(new[] { 1f, 0.5f }, second, "sample 0: 0.5·|1 − 2| + 0.5·1; sample 2 did not change");
    }

    [TestMethod]
    public void MixOneScoresByTheChangeOnly()
    {
        var scorer = new LossChange(mix: 1, sampleCount: 1);
        scorer.Scores([3f], [0]);

        CollectionAssert.AreEqual(new[] { 2f }, scorer.Scores([1f], [0]));
    }

    [TestMethod]
    public void RestoreReadsBackWhatSaveWrote()
    {
        var scorer = new LossChange(mix: 1, sampleCount: 2);
        scorer.Scores([3f, 4f], [0, 1]);
        using var stream = new MemoryStream();
        scorer.Save(new BinaryWriter(stream));

        var restored = new LossChange(mix: 1, sampleCount: 2);
        stream.Position = 0;
        restored.Restore(new BinaryReader(stream));

        Assert.AreEqual(stream.Length, stream.Position, "every byte Save wrote is read");
        CollectionAssert.AreEqual(scorer.Scores([1f, 1f], [0, 1]), restored.Scores([1f, 1f], [0, 1]));
    }

    [TestMethod]
    public void AStateOfAnotherSizeIsRefused()
    {
        using var stream = new MemoryStream();
        new LossChange(0.5, 5).Save(new BinaryWriter(stream));
        stream.Position = 0;

        Assert.ThrowsExactly<InvalidDataException>(() => new LossChange(0.5, 4).Restore(new BinaryReader(stream)));
    }

    [TestMethod]
    public void OptionsOutOfRangeAreRefusedByThePlugin() =>
        Assert.ThrowsExactly<System.ComponentModel.DataAnnotations.ValidationException>(() =>
            ((IScorerPlugin)new MyScorerPlugin()).Create(new MyScorerOptions { Mix = 2 }, new ScorerContext(1)));
}
