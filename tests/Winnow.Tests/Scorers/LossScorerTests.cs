using TorchSharp;
using Winnow.Plugins.Scorers;
using static TorchSharp.torch;

namespace Winnow.Tests.Scorers;

[TestClass]
public sealed class LossScorerTests
{
    [TestMethod]
    public void ScoreIsThePerSampleCrossEntropy()
    {
        using var scope = torch.NewDisposeScope();
        // Row 0: logits [0, ln 3] give softmax [1/4, 3/4]; row 1: [ln 2, 0] gives [2/3, 1/3].
        var logits = torch.tensor(new float[] { 0f, (float)Math.Log(3), (float)Math.Log(2), 0f }, [2, 2]);
        var targets = torch.tensor(new long[] { 0, 0 });
        var losses = nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.None);
        var outcome = new BatchOutcome(torch.tensor(new long[] { 7, 3 }), logits, targets, losses, null, Epoch: 0);

        var scorer = ((IScorerPlugin)new LossScorerPlugin()).Create(new NoOptions(), new ScorerContext(1));
        var scores = scorer.Score(outcome).data<float>().ToArray();

        Assert.HasCount(2, scores);
        Assert.AreEqual(Math.Log(4), scores[0], 1e-6);
        Assert.AreEqual(Math.Log(1.5), scores[1], 1e-6);
    }

    [TestMethod]
    public void DisposingTheScoreLeavesTheLossesIntact()
    {
        using var scope = torch.NewDisposeScope();
        var losses = torch.tensor(new float[] { 0.5f, 2f });
        var outcome = new BatchOutcome(torch.tensor(new long[] { 0, 1 }), torch.zeros(2, 3), torch.zeros(2, dtype: ScalarType.Int64), losses, null, 0);

        ((IScorerPlugin)new LossScorerPlugin()).Create(new NoOptions(), new ScorerContext(1)).Score(outcome).Dispose();

        CollectionAssert.AreEqual(new[] { 0.5f, 2f }, losses.data<float>().ToArray());
    }
}
