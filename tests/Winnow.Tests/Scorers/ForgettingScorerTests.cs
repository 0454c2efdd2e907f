using TorchSharp;
using Winnow.Plugins.Scorers;
using static TorchSharp.torch;

namespace Winnow.Tests.Scorers;

[TestClass]
public sealed class ForgettingScorerTests
{
    private const float Never = ForgettingScorer.NeverLearned;

    private static ForgettingScorer Create(int sampleCount) =>
        (ForgettingScorer)new ForgettingScorerPlugin().Create(new NoOptions(), new ScorerContext(sampleCount));

    /// <summary>One observation of the given samples, in the given order: each row's target is <c>index mod 3</c> (non-negative),
    /// and its logits put 2 on the target when <c>Correct</c>, on the next class otherwise.</summary>
    private static float[] Observe(IScorer scorer, params (long Index, bool Correct)[] rows)
    {
        var logits = new float[rows.Length * 3];
        var targets = new long[rows.Length];
        for (var r = 0; r < rows.Length; r++)
        {
            targets[r] = (rows[r].Index % 3 + 3) % 3;
            logits[r * 3 + (int)((targets[r] + (rows[r].Correct ? 0 : 1)) % 3)] = 2f;
        }
        var outcome = new BatchOutcome(torch.tensor(rows.Select(r => r.Index).ToArray()), torch.tensor(logits, [rows.Length, 3]),
                                       torch.tensor(targets), torch.zeros(rows.Length), null, Epoch: 0);
        var scores = scorer.Score(outcome);
        Assert.AreEqual(ScalarType.Float32, scores.dtype);
        return scores.data<float>().ToArray();
    }

    [TestMethod]
    public void CountsCorrectToWrongTransitionsAndRanksTheNeverLearnedHighest()
    {
        using var scope = torch.NewDisposeScope();
        // Sample 0: right, wrong, right, wrong -> 2.  Sample 1: always right -> 0.  Sample 2: never right -> NeverLearned.
        // Sample 3: wrong, then right -> 0 (learning is not forgetting).  Sample 4: never observed.
        var scorer = Create(5);

        CollectionAssert.AreEqual(new[] { Never, 0f, 0f, Never }, Observe(scorer, (2, false), (0, true), (1, true), (3, false)));
        CollectionAssert.AreEqual(new[] { 0f, 0f, 1f, Never }, Observe(scorer, (1, true), (3, true), (0, false), (2, false)));
        CollectionAssert.AreEqual(new[] { 1f, Never, 0f }, Observe(scorer, (0, true), (2, false), (1, true)));
        CollectionAssert.AreEqual(new[] { Never, 0f, 2f }, Observe(scorer, (2, false), (1, true), (0, false)));

        var history = scorer.SaveHistory();
        CollectionAssert.AreEqual(new[] { 2, 0, 0, 0, 0 }, history.Forgotten);
        CollectionAssert.AreEqual(new[] { true, true, false, true, false }, history.EverCorrect);
        CollectionAssert.AreEqual(new[] { false, true, false, true, false }, history.LastCorrect);
    }

    [TestMethod]
    public void TheSentinelIsFiniteAndAboveAnyCount()
    {
        Assert.IsTrue(float.IsFinite(Never));
        Assert.IsTrue(float.IsFinite(Never - Never));
        Assert.IsTrue(float.IsFinite(Never * Never)); // the score board's variance squares differences
        Assert.IsGreaterThan((float)int.MaxValue / 4, Never);
    }

    [TestMethod]
    public void AnIndexOutsideTheSplitIsRefusedByNameAndChangesNothing()
    {
        using var scope = torch.NewDisposeScope();
        var scorer = Create(5);

        var high = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Observe(scorer, (0, true), (5, true)));
        var low = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Observe(scorer, (-1, true)));

        Assert.Contains("sample index 5", high.Message);
        Assert.Contains("sample index -1", low.Message);
        // Sample 0 of the refused batch was not recorded: it is still unlearned.
        CollectionAssert.AreEqual(new[] { false, false, false, false, false }, scorer.SaveHistory().EverCorrect);
        CollectionAssert.AreEqual(new[] { Never }, Observe(scorer, (0, false)));
    }

    [TestMethod]
    public void ARestoredHistoryCarriesOn()
    {
        using var scope = torch.NewDisposeScope();
        var first = Create(3);
        Observe(first, (0, true), (1, false), (2, true));
        Observe(first, (0, false), (1, false), (2, true));
        var saved = first.SaveHistory();
        Observe(first, (0, true)); // a copy was saved: later observations do not change it
        CollectionAssert.AreEqual(new[] { false, false, true }, saved.LastCorrect);

        var resumed = Create(3);
        resumed.RestoreHistory(saved);

        // Sample 0 (forgotten once, now wrong) learns and forgets again; sample 1 is still unlearned; sample 2 forgets.
        CollectionAssert.AreEqual(new[] { 1f, Never, 1f }, Observe(resumed, (0, true), (1, false), (2, false)));
        CollectionAssert.AreEqual(new[] { 2f }, Observe(resumed, (0, false)));
    }

    [TestMethod]
    public void AHistoryOfAnotherSizeOrThatContradictsItselfIsRefused()
    {
        var scorer = Create(3);

        Assert.ThrowsExactly<ArgumentException>(() => scorer.RestoreHistory(new ForgettingHistory(new bool[2], new bool[2], new int[2])));
        Assert.ThrowsExactly<ArgumentException>(() => scorer.RestoreHistory(new ForgettingHistory(new bool[3], new bool[3], [0, 1, 0])));
        Assert.ThrowsExactly<ArgumentException>(() => scorer.RestoreHistory(new ForgettingHistory(new bool[3], [true, true, true], [0, -1, 0])));
    }
}
