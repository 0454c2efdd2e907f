using System.Reflection;
using System.Text;
using Winnow.Engine.Training;
using Winnow.Plugins.Policies;
using static Winnow.Tests.Policies.PolicyTesting;

namespace Winnow.Tests.Policies;

/// <summary>Checkpoints: a run resumed from any epoch, with the policy's state saved and restored (<see cref="IRestorable"/>),
/// plans exactly what the uninterrupted run plans; state that does not fit is refused.</summary>
[TestClass]
public sealed class PolicyStateTests
{
    private const int N = 20, Epochs = 12, Seed = 5;

    /// <summary>Each policy with options that exercise its state (K = round(0.3·20) = 6).</summary>
    private static (IPolicyPlugin Plugin, object Options) Config(string config) => config switch
    {
        "full" => (new FullPolicyPlugin(), new NoOptions()),
        "random-dynamic" => (new RandomDynamicPolicyPlugin(), new RandomDynamicOptions { KeepFraction = 0.3, Warmup = 1, Anneal = 1, Interval = 3 }),
        "random-dynamic-every-epoch" => (new RandomDynamicPolicyPlugin(), new RandomDynamicOptions { KeepFraction = 0.3 }),
        // K = 6 does not divide N = 20: selections wrap into a fresh permutation mid-walk.
        "random-dynamic-cover" => (new RandomDynamicPolicyPlugin(), new RandomDynamicOptions { KeepFraction = 0.3, Warmup = 1, Cover = true }),
        "random-dynamic-cover-interval" => (new RandomDynamicPolicyPlugin(), new RandomDynamicOptions { KeepFraction = 0.3, Warmup = 1, Anneal = 1, Interval = 3, Cover = true }),
        "static-random" => (new StaticRandomPolicyPlugin(), new StaticRandomOptions { KeepFraction = 0.3, Warmup = 1, Anneal = 1 }),
        "static-score" => (new StaticScorePolicyPlugin(), new StaticScoreOptions { KeepFraction = 0.3, Warmup = 1, Anneal = 1, ScoringEpochs = 1 }),
        "static-score-margin" => (new StaticScorePolicyPlugin(), new StaticScoreOptions { KeepFraction = 0.3, ScoringEpochs = 2, Scorer = "margin" }),
        "epsilon-greedy" => (new EpsilonGreedyPolicyPlugin(), new EpsilonGreedyOptions { KeepFraction = 0.3, Warmup = 1, Anneal = 1, Interval = 3, Epsilon = 0.5 }),
        "ucb" => (new UcbPolicyPlugin(), new UcbOptions { KeepFraction = 0.3, Warmup = 1, Anneal = 1, Interval = 3 }),
        "dynams" => (new DynamsPolicyPlugin(), new DynamsOptions { KeepFraction = 0.3, Warmup = 1, Anneal = 1, Q0 = 3 }),
        "dynams-growing" => (new DynamsPolicyPlugin(), new DynamsOptions { KeepFraction = 0.3, Q0 = 1, Gamma = 1, Proxy = DynamsProxy.None }),
        "infobatch" => (new InfoBatchPolicyPlugin(), new InfoBatchOptions { KeepFraction = 0.3, Delta = 0.75 }),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config, "no such configuration"),
    };

    private static readonly string[] Stateless = ["full", "infobatch"];

    private static ISelectionPolicy Create(string config, int n = N)
    {
        var (plugin, options) = Config(config);
        return plugin.Create(options, PolicyTesting.Context(n, Epochs, Seed));
    }

    private static string PolicyName(string config) => Config(config).Plugin.GetType().GetCustomAttribute<WinnowPluginAttribute>()!.Name;

    /// <summary>What the engine keeps across a checkpoint: the score board, and the refresh pass that writes into it.
    /// Training observes new values of the planned samples every epoch; each refresh writes another ranking of all N.
    /// Values repeat, so score-based policies also break ties with the epoch's generator.</summary>
    private sealed class World
    {
        public World(ISelectionPolicy policy)
        {
            Board = new ScoreBoard(N, policy.Needs.EmaRate, higherIsHarder: policy.Needs.Scorer != "margin");
            Refresh = new FakeRefresh(Board, call => Enumerable.Range(0, N).Select(i => (float)((i * (3 + 2 * call)) % 11)).ToArray());
        }

        public ScoreBoard Board { get; }
        public FakeRefresh Refresh { get; }

        public EpochPlan Step(ISelectionPolicy policy, int epoch)
        {
            var plan = Plan(policy, Board, epoch, Seed, Refresh);
            Board.CountSelected(plan.Indices);
            Board.Observe(plan.Indices.Select(i => (long)i).ToArray(), plan.Indices.Select(i => (float)((i * 7 + epoch * 5) % 13)).ToArray(), epoch);
            return plan;
        }
    }

    private static byte[] Save(ISelectionPolicy policy)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) ((IRestorable)policy).Save(writer);
        return stream.ToArray();
    }

    /// <summary>Restores <paramref name="state"/> and checks that exactly its bytes were read.</summary>
    private static void Restore(ISelectionPolicy policy, byte[] state)
    {
        using var stream = new MemoryStream(state);
        using var reader = new BinaryReader(stream);
        ((IRestorable)policy).Restore(reader);
        Assert.AreEqual(state.Length, stream.Position, "Restore reads exactly what Save wrote");
    }

    /// <summary>The uninterrupted run: its plans and the epochs it refreshed in. Saves after every epoch as the engine does,
    /// so a Save that changed the state would show.</summary>
    private static (EpochPlan[] Plans, int[] Refreshes) Uninterrupted(string config)
    {
        var policy = Create(config);
        var world = new World(policy);
        var plans = new EpochPlan[Epochs];
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            plans[epoch] = world.Step(policy, epoch);
            if (policy is IRestorable) CollectionAssert.AreEqual(Save(policy), Save(policy), "saving twice writes the same state");
        }
        return (plans, world.Refresh.EpochsCalled);
    }

    /// <summary>Runs <paramref name="resumeAt"/> epochs, then continues with a new instance: restored from the first one's state
    /// when the policy is <see cref="IRestorable"/>, fresh otherwise (a policy without state must not need any).</summary>
    private static (EpochPlan[] Plans, int[] Refreshes) Resumed(string config, int resumeAt, bool restore = true)
    {
        var first = Create(config);
        var world = new World(first);
        var plans = new EpochPlan[Epochs];
        for (var epoch = 0; epoch < resumeAt; epoch++) plans[epoch] = world.Step(first, epoch);
        var second = Create(config);
        if (restore && first is IRestorable) Restore(second, Save(first));
        for (var epoch = resumeAt; epoch < Epochs; epoch++) plans[epoch] = world.Step(second, epoch);
        return (plans, world.Refresh.EpochsCalled);
    }

    [TestMethod]
    [DataRow("full")]
    [DataRow("random-dynamic")]
    [DataRow("random-dynamic-every-epoch")]
    [DataRow("random-dynamic-cover")]
    [DataRow("random-dynamic-cover-interval")]
    [DataRow("static-random")]
    [DataRow("static-score")]
    [DataRow("static-score-margin")]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    [DataRow("dynams")]
    [DataRow("dynams-growing")]
    [DataRow("infobatch")]
    public void AResumedRunPlansExactlyAsTheUninterruptedOneFromEveryEpoch(string config)
    {
        var (expected, refreshes) = Uninterrupted(config);
        for (var m = 1; m < Epochs; m++)
        {
            var (plans, resumedRefreshes) = Resumed(config, m);
            for (var epoch = m; epoch < Epochs; epoch++)
            {
                CollectionAssert.AreEqual(expected[epoch].Indices, plans[epoch].Indices, $"resumed at {m}: indices of epoch {epoch}");
                CollectionAssert.AreEqual(expected[epoch].Weights, plans[epoch].Weights, $"resumed at {m}: weights of epoch {epoch}");
            }
            CollectionAssert.AreEqual(refreshes, resumedRefreshes, $"resumed at {m}: the same refresh passes");
        }
    }

    [TestMethod]
    [DataRow("random-dynamic")]
    [DataRow("random-dynamic-cover")]
    [DataRow("random-dynamic-cover-interval")]
    [DataRow("static-random")]
    [DataRow("static-score")]
    [DataRow("static-score-margin")]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    [DataRow("dynams")]
    [DataRow("dynams-growing")]
    public void ThePolicyHasStateThatTheResumeTestWouldMissWithoutRestore(string config)
    {
        // The test above resumes a policy that is not IRestorable with a fresh instance; for these that would be caught.
        var (expected, refreshes) = Uninterrupted(config);
        var caught = 0;
        for (var m = 1; m < Epochs; m++)
        {
            try
            {
                var (plans, resumedRefreshes) = Resumed(config, m, restore: false);
                if (Enumerable.Range(m, Epochs - m).Any(e => !expected[e].Indices.SequenceEqual(plans[e].Indices)) || !refreshes.SequenceEqual(resumedRefreshes))
                    caught++;
            }
            catch (InvalidOperationException e)
            {
                StringAssert.Contains(e.Message, "must restore the policy's state");
                caught++;
            }
        }
        Assert.IsGreaterThan(0, caught, "some resume point depends on the policy's own state");
    }

    [TestMethod]
    public void EveryPolicyWithStateIsRestorableAndOnlyThose()
    {
        string[] all = ["full", "random-dynamic", "random-dynamic-cover", "static-random", "static-score", "epsilon-greedy", "ucb", "dynams", "infobatch"];
        foreach (var config in all)
            Assert.AreEqual(!Stateless.Contains(config), Create(config) is IRestorable, config);
    }

    [TestMethod]
    public void AFreshRunWithoutRestoreStartsAtEpochZero()
    {
        // Restore is never called on a fresh run: it selects at its first pruned epoch as before.
        foreach (var config in new[] { "random-dynamic", "static-random", "static-score", "epsilon-greedy", "ucb", "dynams" })
        {
            var policy = Create(config);
            var world = new World(policy);
            for (var epoch = 0; epoch < Epochs; epoch++) AssertSortedDistinct(world.Step(policy, epoch).Indices, N);
        }
    }

    [TestMethod]
    [DataRow("random-dynamic")]
    [DataRow("ucb")]
    [DataRow("static-random")]
    public void PlanningBetweenSelectionsWithoutTheSelectionIsRefusedByName(string config)
    {
        // Epoch 2 reuses the selection of epoch 1, which this instance never made: a resume that forgot to restore.
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Plan(Create(config), new ScoreBoard(N), epoch: 2));
        StringAssert.Contains(e.Message, PolicyName(config));
        StringAssert.Contains(e.Message, "epoch 2");
    }

    // ---- state that does not fit ----

    private static byte[] StateAfter(string config, int epochs, int n = N)
    {
        var policy = Create(config, n);
        var board = new ScoreBoard(n, policy.Needs.EmaRate);
        var refresh = new FakeRefresh(board, _ => Scrambled(n));
        for (var epoch = 0; epoch < epochs; epoch++) Plan(policy, board, epoch, Seed, refresh);
        return Save(policy);
    }

    private static InvalidDataException Refused(string config, byte[] state, int n = N)
    {
        var policy = Create(config, n);
        return Assert.ThrowsExactly<InvalidDataException>(() => Restore(policy, state));
    }

    private static readonly string[] Restorable =
        ["random-dynamic", "random-dynamic-cover", "static-random", "static-score", "epsilon-greedy", "ucb", "dynams"];

    [TestMethod]
    [DataRow("random-dynamic")]
    [DataRow("random-dynamic-cover")]
    [DataRow("static-random")]
    [DataRow("static-score")]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    [DataRow("dynams")]
    public void GarbageEmptyAndTruncatedStateIsRefused(string config)
    {
        Refused(config, []);
        var random = new Random(3);
        foreach (var length in new[] { 1, 4, 12, 64, 1000 })
        {
            var garbage = new byte[length];
            random.NextBytes(garbage);
            Refused(config, garbage);
        }
        var state = StateAfter(config, Epochs - 2);
        for (var length = 0; length < state.Length; length++)
        {
            var e = Refused(config, state[..length]);
            StringAssert.Contains(e.Message, "truncated", $"cut at {length} of {state.Length}");
        }
    }

    [TestMethod]
    [DataRow("random-dynamic")]
    [DataRow("random-dynamic-cover")]
    [DataRow("static-random")]
    [DataRow("static-score")]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    [DataRow("dynams")]
    public void StateOfAnotherNVersionOrPolicyIsRefusedSaying(string config)
    {
        StringAssert.Contains(Refused(config, StateAfter(config, 4, n: N), n: N + 1).Message, $"for {N} samples; this run has {N + 1}");
        StringAssert.Contains(Refused(config, StateAfter(config, 4, n: N + 1)).Message, $"for {N + 1} samples; this run has {N}");

        var state = StateAfter(config, 4);
        BitConverter.GetBytes(2).CopyTo(state, 0);
        StringAssert.Contains(Refused(config, state).Message, "format version 2");

        var other = config == "ucb" ? "epsilon-greedy" : "ucb";
        StringAssert.Contains(Refused(config, StateAfter(other, 4)).Message, $"of policy '{PolicyName(other)}', not '{PolicyName(config)}'");
    }

    [TestMethod]
    [DataRow("random-dynamic")]
    [DataRow("random-dynamic-cover")]
    [DataRow("static-random")]
    [DataRow("static-score")]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    [DataRow("dynams")]
    public void ARefusedStateLeavesThePolicyAsItWas(string config)
    {
        var policy = Create(config);
        var board = new ScoreBoard(N, policy.Needs.EmaRate);
        var refresh = new FakeRefresh(board, _ => Scrambled(N));
        for (var epoch = 0; epoch < 5; epoch++) Plan(policy, board, epoch, Seed, refresh);
        var before = Save(policy);
        var other = StateAfter(config, Epochs - 2, n: N);
        // Cut just before the end: everything but the last field read, then the stream ends.
        Assert.ThrowsExactly<InvalidDataException>(() => Restore(policy, other[..^1]));
        CollectionAssert.AreEqual(before, Save(policy));
    }

    /// <summary>State written by hand in the documented format: version 1, the name, N, then the fields.</summary>
    private static byte[] Written(string policy, int n, Action<BinaryWriter> fields, int version = 1)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(version);
            var name = Encoding.UTF8.GetBytes(policy);
            writer.Write(name.Length);
            writer.Write(name);
            writer.Write(n);
            fields(writer);
        }
        return stream.ToArray();
    }

    private static Action<BinaryWriter> Indices(params int[]? indices) => w =>
    {
        if (indices is null) w.Write(-1);
        else
        {
            w.Write(indices.Length);
            foreach (var i in indices) w.Write(i);
        }
    };

    [TestMethod]
    public void AHandWrittenSelectionIsRestoredAndReused()
    {
        // ucb selects at epochs 1, 4, 7, 10: epoch 2 reuses the restored selection whatever the board says.
        var policy = Create("ucb");
        Restore(policy, Written("ucb", N, Indices(0, 3, 5, 8, 13, 19)));
        CollectionAssert.AreEqual(new[] { 0, 3, 5, 8, 13, 19 }, Plan(policy, Board(Scrambled(N)), epoch: 2).Indices);

        var none = Create("static-random");
        Restore(none, Written("static-random", N, Indices(null)));
        Assert.HasCount(6, Plan(none, new ScoreBoard(N), epoch: 1).Indices, "no selection yet: epoch Warmup draws it");
    }

    [TestMethod]
    [DataRow(new[] { 0, 3, 5, 8, 13, 20 }, "sample index 20, outside [0, 20)")]
    [DataRow(new[] { -1, 3, 5, 8, 13, 19 }, "sample index -1, outside [0, 20)")]
    [DataRow(new[] { 0, 3, 5, 5, 13, 19 }, "not strictly ascending (5 then 5)")]
    [DataRow(new[] { 0, 3, 8, 5, 13, 19 }, "not strictly ascending (8 then 5)")]
    [DataRow(new[] { 0, 3, 5, 8, 13 }, "selection has 5 entries; this run's has 6")]
    [DataRow(new[] { 0, 1, 2, 3, 4, 5, 6 }, "selection has 7 entries; this run's has 6")]
    public void ASelectionThatDoesNotFitIsRefused(int[] selection, string message)
    {
        foreach (var config in Restorable.Where(c => c != "random-dynamic-cover"))
        {
            var name = PolicyName(config);
            var state = Written(name, N, w =>
            {
                Indices(selection)(w);
                if (name == "random-dynamic")
                {
                    Indices(null)(w);
                    w.Write(0);
                }
            });
            StringAssert.Contains(Refused(config, state).Message, message, config);
        }
        // A length far beyond N is refused before anything is allocated.
        StringAssert.Contains(Refused("ucb", Written("ucb", N, w => w.Write(int.MaxValue))).Message, $"{int.MaxValue} entries");
    }

    [TestMethod]
    public void ACoverStateThatDoesNotFitIsRefused()
    {
        var permutation = Enumerable.Range(0, N).Reverse().ToArray();
        int[] selection = [1, 2, 3, 4, 5, 6];
        byte[] Cover(int[]? sel, int[]? perm, int cursor) => Written("random-dynamic", N, w =>
        {
            Indices(sel)(w);
            Indices(perm)(w);
            w.Write(cursor);
        });

        var valid = Create("random-dynamic-cover");
        Restore(valid, Cover(selection, permutation, 6));
        // The walk continues at position 6 of the restored permutation: samples 13, 12, ..., 8.
        CollectionAssert.AreEqual(new[] { 8, 9, 10, 11, 12, 13 }, Plan(valid, new ScoreBoard(N), epoch: 1).Indices);

        var twice = (int[])permutation.Clone();
        twice[4] = twice[5];
        StringAssert.Contains(Refused("random-dynamic-cover", Cover(selection, twice, 6)).Message, "permutation holds sample 14 twice");
        var outside = (int[])permutation.Clone();
        outside[0] = N;
        StringAssert.Contains(Refused("random-dynamic-cover", Cover(selection, outside, 6)).Message, "sample index 20");
        StringAssert.Contains(Refused("random-dynamic-cover", Cover(selection, permutation[..19], 6)).Message, "permutation has 19 entries");
        StringAssert.Contains(Refused("random-dynamic-cover", Cover(selection, permutation, N + 1)).Message, "cursor 21");
        StringAssert.Contains(Refused("random-dynamic-cover", Cover(selection, permutation, -1)).Message, "cursor -1");
        StringAssert.Contains(Refused("random-dynamic-cover", Cover(selection, null, 0)).Message, "this run has Cover on");
        StringAssert.Contains(Refused("random-dynamic", Cover(selection, permutation, 6)).Message, "this run has Cover off");
        StringAssert.Contains(Refused("random-dynamic", Cover(selection, null, 3)).Message, "cursor 3");
    }

    [TestMethod]
    public void ANameThatIsNoNameIsRefused()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(1);
            writer.Write(-5);
        }
        StringAssert.Contains(Refused("ucb", stream.ToArray()).Message, "not a policy state");
    }
}
