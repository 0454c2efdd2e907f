using System.CommandLine;
using System.CommandLine.Parsing;
using Winnow.Bench;

namespace Winnow.Host.Commands;

/// <summary><c>winnow bench [--quick] [--only=a,b] [--output=&lt;file.md&gt;] [--config &lt;file&gt;] [--Run:Key=value …]</c>: the performance
/// benchmarks, each printed as measured against its target. The model, dataset, batch size and threads come from the configuration.</summary>
internal static class BenchCommand
{
    private static readonly string[] Names = BenchRunner.Names;

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
        var output = Syntax.NotEmpty(new Option<string>("--output") { HelpName = "file.md", Description = "also write the results as Markdown to this file" });
        var command = new Command("bench",
            "Measures the machine's SGEMM ceiling and the training loop's share of it, the first epoch against the others, engine overhead, pruning speed-up, selection time, the data path and memory, each printed next to its target. " +
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
        var command = "winnow bench" + (quick ? " --quick" : "") + (only is null ? "" : $" --only={string.Join(',', only)}") + string.Concat(overrides.Select(o => " " + o));
        BenchRunner.Run(settings, saved, catalog, quick, only ?? [], command, output, Console.Out);
        return Cli.Ok;
    }
}
