using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Training;

namespace Winnow.Bench;

// Selection over large N: one plan by every loaded policy.
public sealed partial class BenchSuite
{
    /// <summary>One selection by every loaded policy over a synthetic score board of N samples (random losses observed twice, so means
    /// and variances are set), timed as the engine times selecting: the plan, its check, and the count of selections.</summary>
    public IReadOnlyList<BenchResult> Selection()
    {
        var results = new List<BenchResult>();
        var policies = catalog.Entries.Where(e => e.Kind == PluginKind.Policy && e.IsCompatible).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        foreach (var entry in policies) TimeSelection(entry, 10_000, 1); // JIT and first-touch warm-up
        foreach (var n in options.SelectionSizes)
        {
            var target = n <= 1_281_167 ? 0.050 : 0.5;
            var board = SyntheticBoard(n);
            foreach (var entry in policies)
            {
                var (seconds, epoch, kept) = TimeSelection(entry, n, options.Repeats + 1, board);
                results.Add(new BenchResult($"selection: {entry.Name}, N = {n.ToString("N0", C)}", string.Create(C, $"{seconds * 1000:F1} ms"),
                    string.Create(C, $"<= {target * 1000:F0} ms"), BenchResult.Judge(seconds <= target),
                    string.Create(C, $"median of {options.Repeats + 1}, at epoch {epoch + 1} (its first selection), {kept:N0} samples kept")));
            }
        }
        return results;
    }

    private static ScoreBoard SyntheticBoard(int n)
    {
        var board = new ScoreBoard(n);
        var random = new Random(7);
        var indices = new long[n];
        for (var i = 0; i < n; i++) indices[i] = i;
        var values = new float[n];
        for (var epoch = 0; epoch < 2; epoch++)
        {
            for (var i = 0; i < n; i++) values[i] = (float)(-Math.Log(1 - random.NextDouble()) * 0.7);
            board.Observe(indices, values, epoch);
        }
        return board;
    }

    // Creates the policy with its default options and plans epochs 0, 1, … until it prunes (or epoch 0 for one that never does);
    // that plan is timed with the engine's check and count. Refresh passes do nothing here: they are the scorer's cost, not selection's.
    private (double Seconds, int Epoch, int Kept) TimeSelection(PluginEntry entry, int n, int repeats, ScoreBoard? board = null)
    {
        board ??= SyntheticBoard(n);
        var plugin = (IPolicyPlugin)PluginCatalog.Instantiate(entry);
        var policyOptions = StrictBinder.Bind(new ConfigurationBuilder().Build(), PluginCatalog.OptionsTypeOf(entry, plugin), "Run:Policy:Options");
        var random = new Random(3);
        var labels = new int[n];
        for (var i = 0; i < n; i++) labels[i] = random.Next(10);
        const int epochs = 10;
        var times = new List<double>();
        int chosenEpoch = 0, kept = 0;
        for (var r = 0; r < repeats; r++)
        {
            var policy = plugin.Create(policyOptions, new PolicyContext(n, epochs, 1) { Labels = labels });
            for (var epoch = 0; epoch < epochs; epoch++)
            {
                var context = new EpochContext(epoch, board, Seeds.For(1, Seeds.Stream.Policy, epoch), (_, _) => { });
                // The garbage of earlier plans is collected first, so that one plan's time does not carry another's collection.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var clock = Stopwatch.StartNew();
                var plan = policy.Plan(context);
                PlanCheck.Validate(plan, n, entry.Name, epoch);
                board.CountSelected(plan.Indices);
                var seconds = clock.Elapsed.TotalSeconds;
                var prunes = plan.Indices.Length < n || plan.Weights is not null;
                if (!prunes && epoch < epochs - 1 && !IsFull(entry)) continue;
                times.Add(seconds);
                chosenEpoch = epoch;
                kept = plan.Indices.Length;
                break;
            }
        }
        return (Stats.Median(times), chosenEpoch, kept);
    }

    private static bool IsFull(PluginEntry entry) => string.Equals(entry.Name, "full", StringComparison.OrdinalIgnoreCase);
}
