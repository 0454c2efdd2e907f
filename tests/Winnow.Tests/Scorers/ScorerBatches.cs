using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Tests.Scorers;

/// <summary>Batches whose softmax is known by hand: logits are logarithms of integers, so <c>q</c> is a ratio of those integers.</summary>
internal static class ScorerBatches
{
    /// <summary>Three samples, three classes.
    /// Row 0: <c>z = [0, ln 2, ln 5]</c>, <c>q = [1/8, 2/8, 5/8]</c>, target 2 (right, margin ln 5 − ln 2).
    /// Row 1: <c>z = [ln 3, 0, ln 6]</c>, <c>q = [3/10, 1/10, 6/10]</c>, target 0 (wrong: margin ln 3 − ln 6 &lt; 0).
    /// Row 2: <c>z = [2, 2, 2]</c>, <c>q = [1/3, 1/3, 1/3]</c>, target 1 (a tie: margin 0).
    /// Features: <c>[1, 2]</c>, <c>[0, 0]</c>, <c>[3, −4]</c>.</summary>
    public static BatchOutcome ThreeByThree(bool withFeatures = true)
    {
        var logits = torch.tensor(new[]
        {
            0f, (float)Math.Log(2), (float)Math.Log(5),
            (float)Math.Log(3), 0f, (float)Math.Log(6),
            2f, 2f, 2f,
        }, [3, 3]);
        var targets = torch.tensor(new long[] { 2, 0, 1 });
        var features = withFeatures ? torch.tensor(new float[] { 1, 2, 0, 0, 3, -4 }, [3, 2]) : null;
        var losses = nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.None);
        return new BatchOutcome(torch.tensor(new long[] { 4, 0, 9 }), logits, targets, losses, features, Epoch: 0);
    }

    public static float[] Values(Tensor scores)
    {
        Assert.AreEqual(ScalarType.Float32, scores.dtype);
        Assert.AreEqual(1, scores.dim());
        return scores.data<float>().ToArray();
    }

    public static double Square(double x) => x * x;
}
