using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;
using Winnow.Engine.Plugins;
using Winnow.Engine.Runs;
using Winnow.Engine.Training;

namespace Winnow.Bench;

/// <summary>The performance benchmarks of <c>winnow bench</c>, each returning its figure and target; none is a unit test. This part holds
/// what they share: the configuration of a benchmark run and a run through the engine as <c>winnow run</c> makes it.</summary>
public sealed partial class BenchSuite(WinnowSettings settings, SavedSettings saved, PluginCatalog catalog, BenchOptions options, TextWriter log) : IDisposable
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private readonly DatasetCache _datasets = new();
    private readonly string _output = Directory.CreateTempSubdirectory("winnow-bench-").FullName;

    public void Dispose()
    {
        _datasets.Dispose();
        Storage.DeleteQuietly(_output);
    }

    private string DataLine()
    {
        var r = settings.Run;
        return string.Create(C, $"{r.Model.Name} on {r.Dataset.Name} ({(options.TrainLimit == 0 ? "all" : options.TrainLimit.ToString("N0", C))} training samples), " +
                                $"batch {r.BatchSize}, {TorchSharp.torch.get_num_threads()} threads");
    }

    /// <summary>A run through <see cref="RunExecutor"/>, as <c>winnow run</c> makes it, with every epoch's metrics and timings.</summary>
    /// <param name="between">Runs as each epoch ends (given its 0-based index) and returns whether it did something worth timing.</param>
    private (Timings Observer, IReadOnlyList<EpochMetrics> Metrics) EngineRun(string policy, double? keep, int epochs, bool collect = false,
        Func<int, bool>? between = null, bool evaluate = true)
    {
        var runSettings = SettingsFor(policy, keep, epochs, limit: true, augment: false, evaluate);
        var observer = new Timings(collect, between);
        log.WriteLine($"  engine: {policy}{(keep is null ? "" : $" k={keep.Value.ToString(C)}")}, {epochs} epochs…");
        var (folder, summary) = RunExecutor.Start(new RunContext(runSettings, saved, catalog, observer, TextWriter.Null, log, _datasets));
        if (summary.Status != RunStatus.Completed) throw new TrainingError($"the benchmark run {folder.Path} ended {summary.Status}: {summary.Error}");
        return (observer, observer.Metrics);
    }

    // Epochs 2 … E−1 (the first warms up; the last has no next start to close it): training seconds, samples, and the wall-clock
    // from one epoch's start to the next's less its evaluation and anything run between epochs.
    private sealed record EpochTiming(double TrainSeconds, int SamplesTrained, double WallSeconds);

    private static List<EpochTiming> Measured(Timings observer, IReadOnlyList<EpochMetrics> metrics)
    {
        var timings = new List<EpochTiming>();
        for (var e = 1; e < metrics.Count - 1; e++)
            timings.Add(new EpochTiming(metrics[e].TrainSeconds, metrics[e].SamplesTrained,
                observer.Starts[e + 1] - observer.Starts[e] - metrics[e].EvaluatingSeconds - observer.Between[e]));
        return timings;
    }

    // The configuration with the policy, epochs and output folder of a benchmark run, and the dataset's limits and augmentation set
    // where the dataset plugin has those options.
    private WinnowSettings SettingsFor(string policy, double? keep, int epochs, bool limit, bool augment, bool evaluate = true)
    {
        var values = saved.Values.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.OrdinalIgnoreCase);
        foreach (var key in values.Keys.Where(k => k.StartsWith("Run:Policy", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Run:Scorer", StringComparison.OrdinalIgnoreCase)).ToList())
            values.Remove(key);
        values["Run:Policy:Name"] = policy;
        if (keep is { } k) values["Run:Policy:Options:KeepFraction"] = k.ToString(C);
        values["Run:Epochs"] = epochs.ToString(C);
        values["Run:StopAfterEpoch"] = "0";
        values["Run:TargetAccuracy"] = "0";
        values["Run:EvalEvery"] = evaluate ? "1" : epochs.ToString(C);
        values["Run:OutputDirectory"] = _output;

        var keys = new CatalogOptionKeys(catalog).Of(PluginKind.Dataset, settings.Run.Dataset.Name) ?? [];
        void Set(string option, string? value)
        {
            if (keys.Contains(option, StringComparer.OrdinalIgnoreCase)) values[$"Run:Dataset:Options:{option}"] = value;
        }
        Set("TrainLimit", limit && options.TrainLimit > 0 ? options.TrainLimit.ToString(C) : "0");
        Set("TestLimit", limit && options.TestLimit > 0 ? options.TestLimit.ToString(C) : "0");
        Set("Augment", augment ? "true" : "false");
        return StrictBinder.Bind<WinnowSettings>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), "");
    }

    /// <summary>Records each epoch's metrics, when its training started and the resident set after it (and, with <paramref name="collect"/>,
    /// again after a full garbage collection).</summary>
    private sealed class Timings(bool collect, Func<int, bool>? between) : IRunObserver
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        public List<EpochMetrics> Metrics { get; } = [];
        public List<double> Starts { get; } = [];
        public List<double> Between { get; } = [];
        public List<long> Resident { get; } = [];
        public List<long> Collected { get; } = [];

        public void EpochStarted(int epoch, int epochs, int samples, double learningRate) => Starts.Add(_clock.Elapsed.TotalSeconds);

        public void EpochCompleted(EpochEnd end)
        {
            Metrics.Add(end.Metrics);
            var clock = Stopwatch.StartNew();
            var timed = between?.Invoke(end.Metrics.Epoch - 1) ?? false;
            Between.Add(timed ? clock.Elapsed.TotalSeconds : 0);
            Resident.Add(NativeHeap.ResidentSet());
            if (!collect) return;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            NativeHeap.Trim();
            Collected.Add(NativeHeap.ResidentSet());
        }
    }
}

/// <summary>The process's resident memory, and glibc's free memory handed back so that a reading shows what the process holds.</summary>
internal static class NativeHeap
{
    public static long ResidentSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    // glibc keeps freed memory for reuse (the more so since Winnow asks it to); malloc_trim returns it, so the reading shows what libtorch still holds.
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Another C library (musl): its readings include its caches.
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
