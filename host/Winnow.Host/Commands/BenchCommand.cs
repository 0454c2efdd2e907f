using Winnow.Bench;

namespace Winnow.Host.Commands;

/// <summary><c>winnow bench [--quick] [--only=a,b] [--output=&lt;file.md&gt;] [--config &lt;file&gt;] [--Run:Key=value …]</c>: the performance
/// benchmarks, each printed as measured against its target. The model, dataset, batch size and threads come from the configuration.</summary>
internal static class BenchCommand
{
    public static int Run(CommandLine line)
    {
        if (line.Target is not null) return Cli.Fail(Cli.BadInput, $"unexpected argument '{line.Target}'; bench takes --quick, --only=<names>, --output=<file>");
        var quick = false;
        string? output = null;
        var only = new List<string>();
        var overrides = new List<string>();
        foreach (var a in line.Overrides)
        {
            if (a == "--quick") quick = true;
            else if (a.StartsWith("--output=", StringComparison.Ordinal)) output = a["--output=".Length..];
            else if (a.StartsWith("--only=", StringComparison.Ordinal))
            {
                only = a["--only=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                var unknown = only.Where(o => !BenchRunner.Names.Contains(o)).ToList();
                if (unknown.Count > 0) return Cli.Fail(Cli.BadInput, $"--only: unknown benchmark {string.Join(", ", unknown)}; the benchmarks are {string.Join(", ", BenchRunner.Names)}");
            }
            else overrides.Add(a);
        }
        var (settings, saved) = Cli.LoadSettings(line with { Overrides = overrides });
        using var catalog = Cli.LoadPlugins(settings, saved.BaseDirectory);
        var command = "winnow bench" + (line.Overrides.Count == 0 ? "" : " " + string.Join(' ', line.Overrides.Where(o => !o.StartsWith("--output=", StringComparison.Ordinal))));
        BenchRunner.Run(settings, saved, catalog, quick, only, command, output, Console.Out);
        return Cli.Ok;
    }
}
