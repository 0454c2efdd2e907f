using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Sweeps;
using Winnow.Reports;

namespace Winnow.Host.Commands;

/// <summary><c>winnow sweep &lt;sweep file&gt; [--dry-run] [--output &lt;folder&gt;] [--Run:Key=value …]</c>: runs every combination of a sweep
/// in this process, continues a sweep that was stopped or killed, and writes its comparison report.</summary>
internal static class SweepCommand
{
    public static int Run(CommandLine line)
    {
        if (line.Target is null) return Cli.Fail(Cli.BadInput, "sweep needs a sweep file: winnow sweep bench/quick.json [--dry-run] [--output <folder>]");
        if (line.ConfigFile != "appsettings.json")
            return Cli.Fail(Cli.BadInput, "sweep takes its base configuration from the sweep file (its Base), not from --config");
        var (dryRun, output, overrides) = Flags(line.Overrides);
        var definition = SweepDefinition.Load(line.Target, overrides);

        var catalogs = new Dictionary<string, PluginCatalog>(StringComparer.Ordinal);
        try
        {
            PluginCatalog CatalogFor(WinnowSettings settings)
            {
                if (!catalogs.TryGetValue(settings.Plugins.Directory, out var catalog))
                    catalogs[settings.Plugins.Directory] = catalog = Cli.LoadPlugins(settings, definition.BaseDirectory);
                return catalog;
            }
            var baseSettings = new WinnowSettings { Plugins = { Directory = definition.Base.TryGetValue("Plugins:Directory", out var d) ? d : "" } };
            var plan = SweepPlan.Expand(definition, new CatalogOptionKeys(CatalogFor(baseSettings)));
            var runner = SweepRunner.Open(definition, plan, SweepRunner.FolderFor(definition, output));
            runner.Validate(CatalogFor);

            var configurations = plan.Select(c => c.Configuration).Distinct().Count();
            var done = runner.Runs.Count(r => r.Entry.Status == SweepRunStatus.Completed);
            Console.WriteLine($"sweep {definition.Name}: {plan.Count} runs ({configurations} configurations), {done} already completed; folder {runner.Folder}");
            if (dryRun) return DryRun(runner);

            using var cancel = Cli.CancelOnCtrlC();
            SweepOutcome outcome;
            try
            {
                outcome = runner.Execute(CatalogFor, new ConsoleProgress(Console.Out), Console.Out, Console.Error, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                return Cli.Fail(Cli.Failed, $"sweep stopped; every finished run and epoch is kept: continue with winnow sweep {line.Target} (the same folder)");
            }
            var files = SweepReport.Write(runner.Folder);
            Console.WriteLine();
            Console.WriteLine($"sweep {definition.Name}: {outcome.Completed} completed, {outcome.Stopped} stopped, {outcome.Failed} failed of {outcome.Total}");
            Console.WriteLine($"  report          {files[0]} (and report.csv, runs.csv, {files.Count(f => f.EndsWith(".png", StringComparison.Ordinal))} plots as PNG and SVG)");
            if (outcome.Stopped > 0) Console.WriteLine($"  continue with   winnow sweep {line.Target}");
            return outcome.Failed > 0 ? Cli.Failed : Cli.Ok;
        }
        finally
        {
            foreach (var c in catalogs.Values) c.Dispose();
        }
    }

    private static int DryRun(SweepRunner runner)
    {
        Console.WriteLine();
        Console.WriteLine($"{"#",4}  {"status",-10} {"run",-48} skipped option keys");
        foreach (var (combination, entry) in runner.Runs)
        {
            var skipped = combination.Skipped.Count == 0 ? "" : string.Join(", ", combination.Skipped);
            Console.WriteLine($"{entry.Index,4}  {entry.StatusText,-10} {entry.Label,-48} {skipped}");
        }
        Console.WriteLine();
        Console.WriteLine("dry run: every run's configuration and plugins were checked; nothing was trained");
        return Cli.Ok;
    }

    // --dry-run and --output <folder> are the sweep's own; everything else overrides the base configuration.
    private static (bool DryRun, string? Output, List<string> Overrides) Flags(IReadOnlyList<string> args)
    {
        var dryRun = false;
        string? output = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--dry-run") dryRun = true;
            else if (a == "--output")
            {
                if (i + 1 >= args.Count) throw new ConfigurationError("--output needs a folder");
                output = args[++i];
            }
            else if (a.StartsWith("--output=", StringComparison.Ordinal)) output = a["--output=".Length..];
            else if (!a.StartsWith("--", StringComparison.Ordinal) || !a.Contains(':'))
                throw new ConfigurationError($"unexpected argument '{a}': sweep takes --dry-run, --output <folder> and overrides like --Run:Epochs=3");
            else rest.Add(a);
        }
        return (dryRun, output, rest);
    }
}
