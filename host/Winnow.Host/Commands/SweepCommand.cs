using System.CommandLine;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;
using Winnow.Engine.Plugins;
using Winnow.Engine.Sweeps;
using Winnow.Reports;

namespace Winnow.Host.Commands;

/// <summary><c>winnow sweep &lt;sweep file&gt; [--dry-run] [--output &lt;folder&gt;] [--Run:Key=value …]</c>: runs every combination of a sweep
/// in this process, continues a sweep that was stopped or killed, and writes its comparison report.</summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var file = Syntax.Positional("sweep file", "the sweep file: a base configuration and lists of values to vary, e.g. bench/quick.json");
        var dryRun = new Option<bool>("--dry-run") { Description = "list the runs and check every run's keys, plugin names and plugin options; train nothing" };
        var output = Syntax.NotEmpty(new Option<string>("--output")
        {
            HelpName = "folder",
            Description = "the sweep folder, relative to the current folder (default: the sweep file's Output, else runs/sweeps/<Name>)",
        });
        var command = new Command("sweep",
            "Runs every combination of a sweep file (a base configuration and lists of values to vary) in one process, each in its own " +
            "run folder, then writes report.md, report.csv and plots/ in the sweep folder. Started again, it skips finished runs and " +
            "resumes a stopped or killed one. Overrides apply to the base configuration (not to a varied key).")
        {
            file,
            dryRun,
            output,
            Syntax.RefusedConfig("sweep takes its base configuration from the sweep file (its Base), not from --config"),
        };
        Overrides.Accept(command);
        command.SetAction(parse => Run(parse.GetRequiredValue(file), parse.GetValue(dryRun), parse.GetValue(output), Overrides.Of(parse)));
        return command;
    }

    private static int Run(string sweepFile, bool dryRun, string? output, IReadOnlyList<string> overrides)
    {
        var definition = SweepDefinition.Load(sweepFile, overrides);

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

            using var cancel = Signals.StopOnSignals();
            SweepOutcome outcome;
            try
            {
                outcome = runner.Execute(CatalogFor, new ConsoleProgress(Console.Out), Console.Out, Console.Error, cancel.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or StoppedError)
            {
                Console.Error.WriteLine($"stopped{(Signals.Received is { } signal ? $" by {signal}" : "")}: the sweep was stopped; every finished run and epoch is kept: " +
                                        $"continue with winnow sweep {sweepFile} (the same folder)");
                return ExitCodes.Interrupted;
            }
            var files = SweepReport.Write(runner.Folder);
            Console.WriteLine();
            Console.WriteLine($"sweep {definition.Name}: {outcome.Completed} completed, {outcome.Stopped} stopped, {outcome.Failed} failed of {outcome.Total}");
            Console.WriteLine($"  report          {files[0]} (and report.csv, runs.csv, {files.Count(f => f.EndsWith(".png", StringComparison.Ordinal))} plots as PNG and SVG)");
            if (outcome.Stopped > 0) Console.WriteLine($"  continue with   winnow sweep {sweepFile}");
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
}
