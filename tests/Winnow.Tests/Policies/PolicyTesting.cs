using Winnow.Engine.Training;
using Winnow.Plugins.Policies;

namespace Winnow.Tests.Policies;

/// <summary>Stands in for the engine's refresh pass: records each call and writes the next values for all N into the board.</summary>
internal sealed class FakeRefresh(ScoreBoard board, Func<int, float[]> valuesOfCall)
{
    /// <summary>The epoch the calls are recorded under; the runner sets it before each plan.</summary>
    public int Epoch { get; set; }

    public List<(int Epoch, int[]? Indices, bool ThroughProxy)> Calls { get; } = [];

    public Action<int[]?, bool> Pass => (indices, throughProxy) =>
    {
        Calls.Add((Epoch, indices, throughProxy));
        var values = valuesOfCall(Calls.Count - 1);
        var all = Enumerable.Range(0, board.Count).Select(i => (long)i).ToArray();
        // NaN stands for "this sample is not observed by the pass".
        var observed = all.Where(i => !float.IsNaN(values[i])).ToArray();
        board.Observe(observed, observed.Select(i => values[i]).ToArray(), Epoch);
    };

    public int[] EpochsCalled => Calls.Select(c => c.Epoch).ToArray();
}

internal static class PolicyTesting
{
    /// <summary>The generator the engine would hand the policy for <paramref name="epoch"/> of a run seeded with <paramref name="seed"/>.</summary>
    public static Random EpochRandom(int seed, int epoch) => new(seed * 7919 + epoch);

    public static EpochPlan Plan(ISelectionPolicy policy, ScoreBoard board, int epoch, int seed = 1, FakeRefresh? refresh = null)
    {
        if (refresh is not null) refresh.Epoch = epoch;
        return policy.Plan(new EpochContext(epoch, board, EpochRandom(seed, epoch), refresh?.Pass));
    }

    /// <summary>A board on which sample i was observed once, with value values[i] (NaN: never observed).</summary>
    public static ScoreBoard Board(float[] values, double emaRate = 0.8, bool higherIsHarder = true)
    {
        var board = new ScoreBoard(values.Length, emaRate, higherIsHarder);
        Observe(board, values, epoch: 0);
        return board;
    }

    public static void Observe(ScoreBoard board, float[] values, int epoch)
    {
        var observed = Enumerable.Range(0, values.Length).Where(i => !float.IsNaN(values[i])).Select(i => (long)i).ToArray();
        board.Observe(observed, observed.Select(i => values[i]).ToArray(), epoch);
    }

    /// <summary>Distinct values in a scrambled order: value i·37 mod n, so rank and index disagree.</summary>
    public static float[] Scrambled(int n) => Enumerable.Range(0, n).Select(i => (float)(i * 37 % n)).ToArray();

    public static void AssertSortedDistinct(int[] indices, int n)
    {
        for (var i = 0; i < indices.Length; i++)
        {
            Assert.IsTrue(indices[i] >= 0 && indices[i] < n, $"index {indices[i]} out of [0, {n})");
            if (i > 0) Assert.IsTrue(indices[i - 1] < indices[i], $"indices must be strictly ascending: {indices[i - 1]} then {indices[i]}");
        }
    }

    /// <summary>The indices of the <paramref name="count"/> largest values by a full sort (NaN first, lower index first among ties).</summary>
    public static int[] SortedTop(float[] values, int count) =>
        Enumerable.Range(0, values.Length)
            .OrderByDescending(i => float.IsNaN(values[i]) ? 1 : 0).ThenByDescending(i => values[i]).ThenBy(i => i)
            .Take(count).Order().ToArray();

    /// <summary>Each pruning policy with its options at KeepFraction 0.3, a warm-up and an anneal where it has them.</summary>
    public static (IPolicyPlugin Plugin, PruningOptions Options) Pruning(string name, int warmup = 0, int anneal = 0, int interval = 1) => name switch
    {
        "random-dynamic" => (new RandomDynamicPolicyPlugin(), new RandomDynamicOptions { KeepFraction = 0.3, Warmup = warmup, Anneal = anneal, Interval = interval }),
        "random-dynamic-cover" => (new RandomDynamicPolicyPlugin(), new RandomDynamicOptions { KeepFraction = 0.3, Warmup = warmup, Anneal = anneal, Interval = interval, Cover = true }),
        "static-random" => (new StaticRandomPolicyPlugin(), new StaticRandomOptions { KeepFraction = 0.3, Warmup = warmup, Anneal = anneal }),
        "static-score" => (new StaticScorePolicyPlugin(), new StaticScoreOptions { KeepFraction = 0.3, Warmup = warmup, Anneal = anneal, ScoringEpochs = 0 }),
        "epsilon-greedy" => (new EpsilonGreedyPolicyPlugin(), new EpsilonGreedyOptions { KeepFraction = 0.3, Warmup = warmup, Anneal = anneal, Interval = interval }),
        "ucb" => (new UcbPolicyPlugin(), new UcbOptions { KeepFraction = 0.3, Warmup = warmup, Anneal = anneal, Interval = interval }),
        "dynams" => (new DynamsPolicyPlugin(), new DynamsOptions { KeepFraction = 0.3, Warmup = warmup, Anneal = anneal }),
        "infobatch" => (new InfoBatchPolicyPlugin(), new InfoBatchOptions { KeepFraction = 0.3 }),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such policy"),
    };

    public static ISelectionPolicy Create(string name, int n, int epochs, int warmup = 0, int anneal = 0, int interval = 1, int seed = 0)
    {
        var (plugin, options) = Pruning(name, warmup, anneal, interval);
        return plugin.Create(options, Context(n, epochs, seed));
    }

    /// <summary>A run of <paramref name="n"/> samples with class labels 0, 1, 2, 0, … as the engine always gives them, so that
    /// class-balanced selection (dynams' default) has its labels.</summary>
    public static PolicyContext Context(int n, int epochs, int seed = 0) =>
        new(n, epochs, seed) { Labels = [.. Enumerable.Range(0, n).Select(i => i % 3)] };
}
