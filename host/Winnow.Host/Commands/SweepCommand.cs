using System.CommandLine;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;
using Winnow.Engine.Plugins;
using Winnow.Engine.Sweeps;
using Winnow.Reports;

namespace Winnow.Host.Commands;

/// <summary><c>winnow sweep &lt;sweep file&gt; [--dry-run] [--output &lt;folder&gt;] [--shard i/n | --slurm …] [--Run:Key=value …]</c>: runs every
/// combination of a sweep (or one shard's share) in this process, continues a sweep that was stopped or killed, and writes its comparison
/// report; or writes the Slurm job array that runs it on a cluster.</summary>
internal static class SweepCommand
{
    private const string DefaultTime = "04:00:00";
    private const int DefaultSignalSeconds = 300;

    public static Command Create()
    {
        var file = Syntax.Positional("sweep file", "the sweep file: a base configuration and lists of values to vary, e.g. bench/quick.json");
        var dryRun = new Option<bool>("--dry-run") { Description = "list the runs and check every run's keys, plugin names and plugin options; train nothing" };
        var output = Syntax.NotEmpty(new Option<string>("--output")
        {
            HelpName = "folder",
            Description = "the sweep folder, relative to the current folder (default: the sweep file's Output, else runs/sweeps/<Name>)",
        });
        var shard = new Option<string>("--shard")
        {
            HelpName = "i/n|slurm",
            Description = "run only shard i of n (1 ≤ i ≤ n): the runs at positions i-1, i-1+n, … of the sweep file's plan; shards may run at once, " +
                          "on machines sharing the sweep folder. 'slurm' takes the shard from the job array task (SLURM_ARRAY_TASK_ID and _COUNT)",
        };
        var slurm = new Option<bool>("--slurm") { Description = "write an sbatch job array for the sweep (and a report job after it) into <sweep folder>/slurm, and print how to submit it; trains nothing" };
        var tasks = new Option<int>("--tasks") { HelpName = "n", Description = "--slurm: array tasks, each a shard of the runs (default: one per run)" };
        tasks.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--tasks must be at least 1"); });
        var cpus = new Option<int>("--cpus-per-task") { HelpName = "n", DefaultValueFactory = _ => 2, Description = "--slurm: CPUs of each task" };
        cpus.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--cpus-per-task must be at least 1"); });
        var memory = new Option<string>("--mem") { HelpName = "size", DefaultValueFactory = _ => "4G", Description = "--slurm: memory of each task, as sbatch takes it (4G, 8000M)" };
        memory.Validators.Add(r => { if (!SlurmScripts.IsMemory(r.GetValueOrDefault<string>() ?? "")) r.AddError($"--mem '{r.GetValueOrDefault<string>()}' is not a size such as 4G or 8000M"); });
        var time = new Option<string>("--time") { HelpName = "limit", DefaultValueFactory = _ => DefaultTime, Description = "--slurm: time limit of each task, as sbatch takes it (HH:MM:SS, D-HH:MM)" };
        time.Validators.Add(r => { if (SlurmScripts.Seconds(r.GetValueOrDefault<string>() ?? "") is null) r.AddError($"--time '{r.GetValueOrDefault<string>()}' is not a Slurm time limit such as 04:00:00 or 1-12:00"); });
        var partition = new Option<string>("--partition") { HelpName = "name", Description = "--slurm: the partition (default: the cluster's default)" };
        var threads = new Option<int>("--threads") { HelpName = "n", Description = "--slurm: libtorch threads of each task (default: its CPUs)" };
        threads.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--threads must be 0 (the task's CPUs) or more"); });
        var signal = new Option<int>("--signal-before") { DefaultValueFactory = _ => DefaultSignalSeconds, HelpName = "seconds", Description = "--slurm: warn a task this long before its time limit, so that it stops and requeues itself (the warning and 60 s must fit in half the time limit)" };
        signal.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 65535) r.AddError("--signal-before must be 1 to 65535 seconds"); });
        var command = new Command("sweep",
            "Runs every combination of a sweep file (a base configuration and lists of values to vary) in one process, each in its own " +
            "run folder, then writes report.md, report.csv and plots/ in the sweep folder. Started again, it skips finished runs and " +
            "resumes a stopped or killed one. With --shard it runs its share, beside other shards; with --slurm it writes a Slurm job array. " +
            "Overrides apply to the base configuration (not to a varied key).")
        {
            file,
            dryRun,
            output,
            shard,
            slurm, tasks, cpus, memory, time, partition, threads, signal,
            Syntax.RefusedConfig("sweep takes its base configuration from the sweep file (its Base), not from --config"),
        };
        command.Validators.Add(r =>
        {
            var slurmOnly = new Option[] { tasks, cpus, memory, time, partition, threads, signal }.Where(o => r.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            if (r.GetValue(slurm) && r.GetResult(shard) is not null) r.AddError("--slurm writes the scripts whose tasks take --shard slurm; give one or the other");
            else if (!r.GetValue(slurm) && slurmOnly.Count > 0) r.AddError($"{string.Join(", ", slurmOnly)} only go with --slurm");
            else if (r.GetValue(slurm) && r.GetValue(dryRun)) r.AddError("--slurm trains nothing already; leave out --dry-run");
            // A command's validator sees an option's default only through its result, which is null when the option was not given.
            else if (r.GetValue(slurm) && SlurmScripts.Seconds(r.GetResult(time)?.GetValueOrDefault<string>() ?? DefaultTime) is { } limit
                     && SlurmScripts.SignalProblem(limit, r.GetResult(signal)?.GetValueOrDefault<int>() ?? DefaultSignalSeconds) is { } problem)
                r.AddError(problem);
        });
        Overrides.Accept(command);
        command.SetAction(parse =>
        {
            var overrides = Overrides.Of(parse);
            if (parse.GetValue(slurm))
                return Slurm(parse.GetRequiredValue(file), parse.GetValue(output), overrides, parse.GetResult(tasks) is { Implicit: false } ? parse.GetValue(tasks) : 0,
                    new SlurmRequest(0, parse.GetValue(cpus), parse.GetValue(memory)!, parse.GetValue(time)!, parse.GetValue(partition), parse.GetValue(threads), parse.GetValue(signal)));
            var part = parse.GetValue(shard) is { } text ? SweepShard.Parse(text, Environment.GetEnvironmentVariable) : SweepShard.Whole;
            return Run(parse.GetRequiredValue(file), parse.GetValue(dryRun), parse.GetValue(output), part, overrides);
        });
        return command;
    }

    private static int Slurm(string sweepFile, string? output, IReadOnlyList<string> overrides, int tasks, SlurmRequest request)
    {
        var definition = SweepDefinition.Load(sweepFile, overrides);
        return WithPlan(definition, output, (runner, plan, _) =>
        {
            if (tasks > plan.Count) throw new ConfigurationError($"--tasks {tasks} is more than the sweep's {plan.Count} runs; give at most {plan.Count}");
            var count = tasks == 0 ? plan.Count : tasks;
            var submit = SlurmScripts.Write(sweepFile, runner.Folder, definition.Name, overrides, request with { Tasks = count });
            Console.WriteLine($"sweep {definition.Name}: {plan.Count} runs in a job array of {count} task(s) ({(count == plan.Count ? "one run each" : $"about {(plan.Count + count - 1) / count} runs each")}), " +
                              $"{request.Cpus} CPUs, {request.Memory}, {request.Time} each; a report job after them");
            Console.WriteLine($"  scripts         {Path.GetDirectoryName(submit)}/ (array.sbatch, report.sbatch, submit.sh)");
            Console.WriteLine($"  submit with     bash {submit}");
            Console.WriteLine("  every node needs the .NET runtime (dotnet on PATH, or WINNOW_DOTNET) and this build of winnow, on storage shared with the sweep folder");
            return Cli.Ok;
        });
    }

    private static int Run(string sweepFile, bool dryRun, string? output, SweepShard shard, IReadOnlyList<string> overrides)
    {
        var definition = SweepDefinition.Load(sweepFile, overrides);
        return WithPlan(definition, output, (runner, plan, catalogFor) =>
        {
            var configurations = plan.Select(c => c.Configuration).Distinct().Count();
            var done = runner.Runs.Count(r => r.Entry.Status == SweepRunStatus.Completed);
            Console.WriteLine($"sweep {definition.Name}: {plan.Count} runs ({configurations} configurations), {done} already completed; folder {runner.Folder}" +
                              (shard.IsWhole ? "" : $"; shard {shard}: {Enumerable.Range(0, plan.Count).Count(shard.Owns)} of them"));
            if (dryRun) return DryRun(runner);

            using var cancel = Signals.StopOnSignals();
            SweepOutcome outcome;
            try
            {
                outcome = runner.Execute(shard, catalogFor, new ConsoleProgress(Console.Out), Console.Out, Console.Error, cancel.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or StoppedError)
            {
                Console.Error.WriteLine($"stopped{(Signals.Received is { } signal ? $" by {signal}" : "")}: the sweep was stopped; every finished run and epoch is kept: " +
                                        $"continue with winnow sweep {sweepFile}{(shard.IsWhole ? "" : $" --shard {shard}")} (the same folder)");
                return ExitCodes.Interrupted;
            }
            Console.WriteLine();
            var of = shard.IsWhole ? $"of {outcome.Total}" : $"of shard {shard}'s {outcome.Total}";
            Console.WriteLine($"sweep {definition.Name}: {outcome.Completed} completed, {outcome.Stopped} stopped, {outcome.Failed} failed {of}" +
                              (outcome.Elsewhere > 0 ? $", {outcome.Elsewhere} being run by another process" : ""));
            // A shard writes the report only when the whole sweep is done; the last shard to finish (or winnow report) writes it.
            if (shard.IsWhole && outcome.Elsewhere == 0 || runner.AllFinished())
            {
                var files = runner.WhileRecordLocked(() => SweepReport.Write(runner.Folder));
                Console.WriteLine($"  report          {files[0]} (and report.csv, runs.csv, {files.Count(f => f.EndsWith(".png", StringComparison.Ordinal))} plots as PNG and SVG)");
            }
            else Console.WriteLine($"  report          not yet: other runs are still to finish; winnow report {runner.Folder} writes it, as does the last shard to finish");
            if (outcome.Stopped > 0) Console.WriteLine($"  continue with   winnow sweep {sweepFile}{(shard.IsWhole ? "" : $" --shard {shard}")}");
            return outcome.Failed > 0 ? Cli.Failed : Cli.Ok;
        });
    }

    // Loads the plugins, expands the plan, opens the sweep folder's record and checks every run still to do, then hands them to use.
    private static int WithPlan(SweepDefinition definition, string? output, Func<SweepRunner, IReadOnlyList<SweepCombination>, Func<WinnowSettings, PluginCatalog>, int> use)
    {
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
            return use(runner, plan, CatalogFor);
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
