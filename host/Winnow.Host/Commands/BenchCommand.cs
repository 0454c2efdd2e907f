using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Winnow.Engine.Benchmarks;
using Winnow.Engine.Training;

namespace Winnow.Host.Commands;

/// <summary><c>winnow bench [--quick] [--only=a,b] [--output=&lt;file.md&gt;] [--config &lt;file&gt;] [--Run:Key=value …]</c>: the performance
/// benchmarks, each printed as measured against its target. The model, dataset, batch size and threads come from the configuration.</summary>
internal static class BenchCommand
{
    private static readonly string[] Names = ["selection", "overhead", "speedup", "datapath", "memory"];

    public static Command Create(Option<string> config)
    {
        var quick = new Option<bool>("--quick") { Description = "about two minutes instead of a quarter of an hour: 10,000 training and 2,000 test images, fewer epochs" };
        var only = new Option<string[]>("--only")
        {
            HelpName = "names",
            Description = $"only these benchmarks, comma-separated: {string.Join(",", Names)} (default: all)",
            CustomParser = KnownNames,
            // "--only a,b" or "--only a --only b": one token per --only, so that an override after it stays one.
            AllowMultipleArgumentsPerToken = false,
        };
        only.CompletionSources.Add(Names);
        var output = new Option<string>("--output") { HelpName = "file.md", Description = "also write the results as Markdown to this file" };
        var command = new Command("bench",
            "Measures engine overhead, pruning speed-up, selection time, the data path and memory, each printed next to its target. " +
            "The model, dataset, batch size and threads come from the configuration.")
        {
            quick,
            only,
            output,
            config,
        };
        Overrides.Accept(command);
        command.SetAction(parse => Run(ConfigFile.Of(parse, config), Overrides.Of(parse), parse.GetValue(quick), parse.GetValue(only), parse.GetValue(output)));
        return command;
    }

    private static string[] KnownNames(ArgumentResult result)
    {
        var names = result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        var unknown = names.Where(n => !Names.Contains(n)).ToList();
        if (unknown.Count > 0) result.AddError($"--only: unknown benchmark {string.Join(", ", unknown)}; the benchmarks are {string.Join(", ", Names)}");
        else if (names.Length == 0) result.AddError($"--only: no benchmark named; the benchmarks are {string.Join(", ", Names)}");
        return names;
    }

    /// <param name="only">The benchmarks to run, null for all.</param>
    private static int Run(ConfigFile config, IReadOnlyList<string> overrides, bool quick, string[]? only, string? output)
    {
        var (settings, saved) = Cli.LoadSettings(config, overrides);
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
            foreach (var name in Names.Where(n => only is null || only.Contains(n)))
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
            var command = "winnow bench" + (quick ? " --quick" : "") + (only is null ? "" : $" --only={string.Join(',', only)}") + string.Concat(overrides.Select(o => " " + o));
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
