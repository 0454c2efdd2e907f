using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Winnow.Engine.Benchmarks;
using Winnow.Engine.Configuration;
using Winnow.Engine.Training;

namespace Winnow.Host.Commands;

/// <summary><c>winnow bench [--quick] [--only=a,b] [--output=&lt;file.md&gt;] [--config &lt;file&gt;] [--Run:Key=value …]</c>: the performance
/// benchmarks, each printed as measured against its target. The model, dataset, batch size and threads come from the configuration.</summary>
internal static class BenchCommand
{
    private static readonly string[] Names = ["selection", "overhead", "speedup", "datapath", "memory"];

    public static int Run(CommandLine line)
    {
        if (line.Target is not null) return Cli.Fail(Cli.BadInput, $"unexpected argument '{line.Target}'; bench takes --quick, --only=<names>, --output=<file>");
        var quick = false;
        string? output = null;
        var only = Names.ToList();
        var overrides = new List<string>();
        foreach (var a in line.Overrides)
        {
            if (a == "--quick") quick = true;
            else if (a.StartsWith("--output=", StringComparison.Ordinal)) output = a["--output=".Length..];
            else if (a.StartsWith("--only=", StringComparison.Ordinal))
            {
                only = a["--only=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                var unknown = only.Where(o => !Names.Contains(o)).ToList();
                if (unknown.Count > 0) return Cli.Fail(Cli.BadInput, $"--only: unknown benchmark {string.Join(", ", unknown)}; the benchmarks are {string.Join(", ", Names)}");
            }
            else overrides.Add(a);
        }
        var (settings, saved) = Cli.LoadSettings(line with { Overrides = overrides });
        using var catalog = Cli.LoadPlugins(settings, saved.BaseDirectory);
        var threads = Devices.SetThreads(settings.Run.Threads);
        var options = quick ? BenchOptions.Quick : BenchOptions.Full;
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var machine = $"{RuntimeInformation.OSDescription.Trim()}, {Environment.ProcessorCount} cores, {threads} libtorch threads, device cpu";
        Console.WriteLine($"winnow bench{(quick ? " --quick" : "")}: {machine}; {started:yyyy-MM-dd HH:mm}");

        var results = new List<BenchResult>();
        using (var suite = new BenchSuite(settings, saved, catalog, options, Console.Out))
        {
            foreach (var name in Names.Where(only.Contains))
            {
                Console.WriteLine($"{name}…");
                var found = name switch
                {
                    "selection" => suite.Selection(),
                    "overhead" => [suite.EngineOverhead()],
                    "speedup" => suite.SpeedUp(),
                    "datapath" => [suite.DataPath()],
                    _ => (IReadOnlyList<BenchResult>)[suite.Memory()],
                };
                foreach (var r in found) Console.WriteLine($"  {r.Name}: {r.Measured} (target {r.Target})");
                results.AddRange(found);
            }
        }

        Console.WriteLine();
        var width = results.Max(r => r.Name.Length);
        Console.WriteLine($"{"benchmark".PadRight(width)}  {"measured",-16} {"target",-18} result");
        foreach (var r in results) Console.WriteLine($"{r.Name.PadRight(width)}  {r.Measured,-16} {r.Target,-18} {Verdict(r)}");
        Console.WriteLine();
        foreach (var r in results) Console.WriteLine($"{r.Name}: {r.Detail}");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{results.Count(r => r.Met == true)} of {results.Count} targets met in {clock.Elapsed.TotalMinutes:F1} min"));

        if (output is not null)
        {
            var command = "winnow bench" + (line.Overrides.Count == 0 ? "" : " " + string.Join(' ', line.Overrides.Where(o => !o.StartsWith("--output=", StringComparison.Ordinal))));
            File.WriteAllText(output, Markdown(results, command, machine, started, clock.Elapsed), new UTF8Encoding(false));
            Console.WriteLine($"written to {output}");
        }
        return Cli.Ok;
    }

    private static string Verdict(BenchResult r) => r.Met switch { true => "met", false => "MISSED", null => "not run" };

    private static string Markdown(IReadOnlyList<BenchResult> results, string command, string machine, DateTimeOffset started, TimeSpan took)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"`{command}` on {machine}, {started:yyyy-MM-dd HH:mm} (took {took.TotalMinutes:F1} min)");
        md.AppendLine();
        md.AppendLine("| benchmark | measured | target | result |");
        md.AppendLine("| --- | ---: | ---: | --- |");
        foreach (var r in results) md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.Measured} | {r.Target} | {Verdict(r)} |");
        md.AppendLine();
        foreach (var r in results) md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Name}: {r.Detail}");
        return md.ToString();
    }
}
