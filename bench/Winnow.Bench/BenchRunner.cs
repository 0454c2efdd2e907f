using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Training;

namespace Winnow.Bench;

/// <summary>Runs the chosen benchmarks, prints each figure beside its target as it comes, then a table, and writes it as Markdown.</summary>
public static class BenchRunner
{
    /// <summary>Every benchmark, in the order they run (those that share the full-data run come together).</summary>
    public static readonly string[] Names = ["ceiling", "throughput", "first-epoch", "overhead", "speedup", "selection", "datapath", "data-memory", "data-file", "memory"];

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Runs <paramref name="only"/> (all when empty) and returns the results; <paramref name="markdown"/> gets the report when given.</summary>
    public static IReadOnlyList<BenchResult> Run(WinnowSettings settings, SavedSettings saved, PluginCatalog catalog, bool quick, IReadOnlyCollection<string> only,
        string command, string? markdown, TextWriter output)
    {
        var threads = Devices.SetThreads(settings.Run.Threads);
        var options = quick ? BenchOptions.Quick : BenchOptions.Full;
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var machine = $"{RuntimeInformation.OSDescription.Trim()}, {Environment.ProcessorCount} cores, {threads} libtorch threads, device cpu; {Winnow.Engine.Training.NativeMemory.Description}";
        output.WriteLine($"winnow bench{(quick ? " --quick" : "")}: {machine}; {started:yyyy-MM-dd HH:mm}");

        var results = new List<BenchResult>();
        using (var suite = new BenchSuite(settings, saved, catalog, options, output))
        {
            foreach (var name in Names.Where(n => only.Count == 0 || only.Contains(n)))
            {
                output.WriteLine($"{name}…");
                IReadOnlyList<BenchResult> found = name switch
                {
                    "ceiling" => [suite.MachineCeiling()],
                    "throughput" => suite.Throughput(),
                    "first-epoch" => [suite.FirstEpoch()],
                    "overhead" => [suite.EngineOverhead()],
                    "speedup" => suite.SpeedUp(),
                    "selection" => suite.Selection(),
                    "datapath" => [suite.DataPath()],
                    "data-memory" => [suite.DataMemory()],
                    "data-file" => [suite.DataFile()],
                    _ => [suite.Memory()],
                };
                foreach (var r in found) output.WriteLine($"  {r.Name}: {r.Measured} (target {r.Target}) {r.VerdictText}");
                results.AddRange(found);
            }
        }

        output.WriteLine();
        var width = results.Max(r => r.Name.Length);
        output.WriteLine($"{"benchmark".PadRight(width)}  {"measured",-24} {"target",-18} result");
        foreach (var r in results) output.WriteLine($"{r.Name.PadRight(width)}  {r.Measured,-24} {r.Target,-18} {r.VerdictText}");
        output.WriteLine();
        foreach (var r in results) output.WriteLine($"{r.Name}: {r.Detail}");
        output.WriteLine();
        var judged = results.Where(r => r.Verdict != Verdict.Info).ToList();
        output.WriteLine(string.Create(C, $"{judged.Count(r => r.Verdict == Verdict.Met)} of {judged.Count} targets met, {judged.Count(r => r.Verdict == Verdict.Noisy)} noisy, " +
                                          $"{judged.Count(r => r.Verdict == Verdict.Fault)} measurement faults, in {clock.Elapsed.TotalMinutes:F1} min"));
        if (markdown is not null)
        {
            File.WriteAllText(markdown, Markdown(results, command, machine, started, clock.Elapsed), new UTF8Encoding(false));
            output.WriteLine($"written to {markdown}");
        }
        return results;
    }

    private static string Markdown(IReadOnlyList<BenchResult> results, string command, string machine, DateTimeOffset started, TimeSpan took)
    {
        var md = new StringBuilder();
        md.AppendLine(C, $"`{command}` on {machine}, {started:yyyy-MM-dd HH:mm} (took {took.TotalMinutes:F1} min)");
        md.AppendLine();
        md.AppendLine("| benchmark | measured | target | result |");
        md.AppendLine("| --- | ---: | ---: | --- |");
        foreach (var r in results) md.AppendLine(C, $"| {r.Name} | {r.Measured} | {r.Target} | {r.VerdictText} |");
        md.AppendLine();
        foreach (var r in results) md.AppendLine(C, $"- {r.Name}: {r.Detail}");
        return md.ToString();
    }
}
