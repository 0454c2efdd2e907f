using System.Text;
using TorchSharp;
using Winnow.Engine.Training;
using Winnow.Plugins.Policies;
using Winnow.Plugins.Scorers;
using static TorchSharp.torch;

namespace Winnow.Tests.Scorers;

[TestClass]
public sealed class ForgettingScorerTests
{
    private const float Never = ForgettingScorer.NeverLearned;

    private static ForgettingScorer Create(int sampleCount) =>
        (ForgettingScorer)((IScorerPlugin)new ForgettingScorerPlugin()).Create(new NoOptions(), new ScorerContext(sampleCount));

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

    // ---- checkpoints (IRestorable) ----

    private const int N = 12, Epochs = 10;

    /// <summary>One epoch of a run: a training batch over the samples the epoch trains (a changing subset) and a refresh pass
    /// over all N, with predictions that change from epoch to epoch; every value goes onto the board as the engine would.
    /// Returns the values, and the K = 4 hardest of the board afterwards (a static-score plan).</summary>
    private static (float[] Values, int[] Plan) Epoch(IScorer scorer, ScoreBoard board, int epoch)
    {
        var trained = Enumerable.Range(0, N).Where(i => (i + epoch) % 3 != 0).Select(i => ((long)i, (i * 5 + epoch * 3) % 7 < 4)).ToArray();
        var refreshed = Enumerable.Range(0, N).Select(i => ((long)i, (i * 3 + epoch * 5) % 11 < 6)).ToArray();
        var values = new List<float>();
        foreach (var batch in new[] { trained, refreshed })
        {
            var v = Observe(scorer, batch);
            board.Observe(batch.Select(r => r.Item1).ToArray(), v, epoch);
            values.AddRange(v);
        }
        return ([.. values], Selection.Largest(board.Latest, 4, new Random(epoch)));
    }

    private static byte[] SaveState(IScorer scorer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) ((IRestorable)scorer).Save(writer);
        return stream.ToArray();
    }

    private static void RestoreState(IScorer scorer, byte[] state)
    {
        using var stream = new MemoryStream(state);
        using var reader = new BinaryReader(stream);
        ((IRestorable)scorer).Restore(reader);
        Assert.AreEqual(state.Length, stream.Position, "Restore reads exactly what Save wrote");
    }

    private static IScorer CreateScorer(int sampleCount = N) => ((IScorerPlugin)new ForgettingScorerPlugin()).Create(new NoOptions(), new ScorerContext(sampleCount));

    [TestMethod]
    public void AResumedRunScoresExactlyAsTheUninterruptedOneFromEveryEpoch()
    {
        using var scope = torch.NewDisposeScope();
        var reference = CreateScorer();
        Assert.IsInstanceOfType<IRestorable>(reference, "the scorer returned by Create keeps state and saves it");
        var referenceBoard = new ScoreBoard(N);
        var expected = new (float[] Values, int[] Plan)[Epochs];
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            expected[epoch] = Epoch(reference, referenceBoard, epoch);
            CollectionAssert.AreEqual(SaveState(reference), SaveState(reference), "saving twice writes the same state");
        }

        var withoutRestoreDiffers = false;
        for (var m = 1; m < Epochs; m++)
        {
            var first = CreateScorer();
            var board = new ScoreBoard(N);
            for (var epoch = 0; epoch < m; epoch++) Epoch(first, board, epoch);
            var state = SaveState(first);

            var resumed = CreateScorer();
            RestoreState(resumed, state);
            var fresh = CreateScorer();
            var freshBoard = new ScoreBoard(N);
            var before = CreateScorer();
            for (var epoch = 0; epoch < m; epoch++) Epoch(before, freshBoard, epoch);   // the same board, but the history is lost
            for (var epoch = m; epoch < Epochs; epoch++)
            {
                var (values, plan) = Epoch(resumed, board, epoch);
                CollectionAssert.AreEqual(expected[epoch].Values, values, $"resumed at {m}: values of epoch {epoch}");
                CollectionAssert.AreEqual(expected[epoch].Plan, plan, $"resumed at {m}: plan of epoch {epoch}");
                withoutRestoreDiffers |= !expected[epoch].Values.SequenceEqual(Epoch(fresh, freshBoard, epoch).Values);
            }
            CollectionAssert.AreEqual(referenceBoard.Mean.ToArray(), board.Mean.ToArray(), $"resumed at {m}: the board at the end");
        }
        Assert.IsTrue(withoutRestoreDiffers, "the history matters: a scorer that was not restored would score otherwise");
    }

    [TestMethod]
    public void TheStateIsTheHistory()
    {
        using var scope = torch.NewDisposeScope();
        var first = Create(3);
        Observe(first, (0, true), (1, false), (2, true));
        Observe(first, (0, false), (1, false), (2, true));
        var resumed = Create(3);
        RestoreState(resumed, SaveState(first));
        Assert.AreEqual(first.SaveHistory(), resumed.SaveHistory(), new HistoryComparer());
        CollectionAssert.AreEqual(new[] { 1f, Never, 1f }, Observe(resumed, (0, true), (1, false), (2, false)));
    }

    private sealed class HistoryComparer : IEqualityComparer<ForgettingHistory>
    {
        public bool Equals(ForgettingHistory? x, ForgettingHistory? y) =>
            x!.LastCorrect.SequenceEqual(y!.LastCorrect) && x.EverCorrect.SequenceEqual(y.EverCorrect) && x.Forgotten.SequenceEqual(y.Forgotten);

        public int GetHashCode(ForgettingHistory obj) => 0;
    }

    private static byte[] StateAfterSomeEpochs(int sampleCount = N)
    {
        using var scope = torch.NewDisposeScope();
        var scorer = CreateScorer(sampleCount);
        var board = new ScoreBoard(sampleCount);
        for (var epoch = 0; epoch < 4; epoch++)
        {
            var rows = Enumerable.Range(0, sampleCount).Select(i => ((long)i, (i * 5 + epoch * 3) % 7 < 4)).ToArray();
            board.Observe(rows.Select(r => r.Item1).ToArray(), Observe(scorer, rows), epoch);
        }
        return SaveState(scorer);
    }

    private static InvalidDataException RefusedState(byte[] state, int sampleCount = N) =>
        Assert.ThrowsExactly<InvalidDataException>(() => RestoreState(CreateScorer(sampleCount), state));

    [TestMethod]
    public void GarbageEmptyTruncatedAndAnotherNAreRefused()
    {
        RefusedState([]);
        var random = new Random(7);
        foreach (var length in new[] { 1, 4, 13, 64, 1000 })
        {
            var garbage = new byte[length];
            random.NextBytes(garbage);
            RefusedState(garbage);
        }
        var state = StateAfterSomeEpochs();
        for (var length = 0; length < state.Length; length++)
            StringAssert.Contains(RefusedState(state[..length]).Message, "truncated", $"cut at {length} of {state.Length}");

        StringAssert.Contains(RefusedState(state, N + 1).Message, $"for {N} samples; this run has {N + 1}");
        StringAssert.Contains(RefusedState(StateAfterSomeEpochs(N - 1)).Message, $"for {N - 1} samples; this run has {N}");
        var version = (byte[])state.Clone();
        BitConverter.GetBytes(7).CopyTo(version, 0);
        StringAssert.Contains(RefusedState(version).Message, "format version 7");
    }

    /// <summary>A state written by hand in the documented format.</summary>
    private static byte[] Written(bool[] lastCorrect, bool[] everCorrect, int[] forgotten, string name = "forgetting", int n = 3,
        Func<bool, byte>? flag = null)
    {
        flag ??= f => (byte)(f ? 1 : 0);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(1);
            var bytes = Encoding.UTF8.GetBytes(name);
            w.Write(bytes.Length);
            w.Write(bytes);
            w.Write(n);
            foreach (var flags in new[] { lastCorrect, everCorrect })
            {
                w.Write(flags.Length);
                foreach (var f in flags) w.Write(flag(f));
            }
            w.Write(forgotten.Length);
            foreach (var f in forgotten) w.Write(f);
        }
        return stream.ToArray();
    }

    [TestMethod]
    public void AHistoryThatDoesNotFitIsRefusedAndChangesNothing()
    {
        using var scope = torch.NewDisposeScope();
        bool[] no = [false, false, false], yes = [true, true, true];

        var scorer = Create(3);
        RestoreState(scorer, Written([true, false, false], yes, [2, 0, 1]));
        CollectionAssert.AreEqual(new[] { 3f }, Observe(scorer, (0, true), (0, false)).Skip(1).ToArray(), "a written history carries on");

        StringAssert.Contains(RefusedState(Written(no, no, [0, 1, 0]), 3).Message, "sample 1 was never correct");
        StringAssert.Contains(RefusedState(Written(no, yes, [0, -1, 0]), 3).Message, "sample 1 has a negative count -1");
        StringAssert.Contains(RefusedState(Written(no, yes, [0, 0, 0], flag: f => (byte)(f ? 2 : 0)), 3).Message, "is 2, neither 0 nor 1");
        StringAssert.Contains(RefusedState(Written([false, false], yes, [0, 0, 0]), 3).Message, "LastCorrect has 2 entries");
        StringAssert.Contains(RefusedState(Written(no, yes, [0, 0, 0, 0]), 3).Message, "Forgotten has 4 entries");
        StringAssert.Contains(RefusedState(Written(no, yes, [0, 0, 0], name: "margin"), 3).Message, "of scorer 'margin'");

        // A refused state leaves the history as it was.
        var kept = Create(3);
        Observe(kept, (0, true), (0, false), (1, true));
        var before = SaveState(kept);
        Assert.ThrowsExactly<InvalidDataException>(() => RestoreState(kept, Written(no, no, [0, 1, 0])));
        Assert.ThrowsExactly<InvalidDataException>(() => RestoreState(kept, StateAfterSomeEpochs(3)[..^1]));
        CollectionAssert.AreEqual(before, SaveState(kept));
    }
}
