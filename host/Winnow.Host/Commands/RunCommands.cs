using System.CommandLine;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;
using Winnow.Engine.Runs;

namespace Winnow.Host.Commands;

/// <summary><c>winnow run</c> (the default) starts a run; <c>winnow resume &lt;run folder&gt;</c> continues one from its last checkpoint.</summary>
internal static class RunCommands
{
    public static Command CreateRun(Option<string> config)
    {
        var command = new Command("run",
            "Reads the configuration, loads the plugins, checks every name and option, then trains (the default command). Each run gets " +
            "a new folder under Run:OutputDirectory (default runs/) with config.json, metrics.csv, selection.csv, selection-counts.csv, " +
            "summary.json and the last checkpoint. Plugins are loaded from Plugins:Directory (default: plugins/ beside this executable), " +
            "one folder each; a plugin that throws, returns a bad plan or was built against another contract version stops the run with a " +
            "message naming it and what it did. Write a plugin of your own: templates/winnow-policy in the repository " +
            "(dotnet new install ./templates/winnow-policy).")
        {
            config,
        };
        Overrides.Accept(command);
        command.SetAction(parse => Run(ConfigFile.Of(parse, config), Overrides.Of(parse)));
        return command;
    }

    public static Command CreateResume()
    {
        var folder = Syntax.Positional("run folder", "the run folder to continue, e.g. runs/20261130-170259-fashion-mnist-cnn-random-dynamic");
        var command = new Command("resume",
            "Continues a run folder from its last checkpoint with the settings it was started with. Every epoch ends with a checkpoint, " +
            "so a run stopped by Run:StopAfterEpoch, Ctrl+C, a crash or a kill continues exactly where it would have gone. Only " +
            $"{string.Join(", ", SavedSettings.ResumableKeys)} may change: a fixed plugin can be dropped into another folder and the run " +
            "continued with --Plugins:Directory=<folder>.")
        {
            folder,
            Syntax.RefusedConfig("resume continues with the settings saved in the run folder (settings.json), not with --config"),
        };
        Overrides.Accept(command);
        command.SetAction(parse => Resume(parse.GetRequiredValue(folder), Overrides.Of(parse)));
        return command;
    }

    private static int Run(ConfigFile config, IReadOnlyList<string> overrides)
    {
        var (settings, saved) = Cli.LoadSettings(config, overrides);
        using var catalog = Cli.LoadPlugins(settings, saved.BaseDirectory);
        using var cancel = Signals.StopOnSignals();
        Announce(settings);
        var progress = new ConsoleProgress(Console.Out);
        var (folder, summary) = RunExecutor.Start(new RunContext(settings, saved, catalog, progress, Console.Out, Console.Error), cancel.Token);
        ConsoleProgress.PrintSummary(Console.Out, folder, summary);
        return Cli.Ok;
    }

    private static int Resume(string runFolder, IReadOnlyList<string> overrides)
    {
        var folder = RunFolder.Open(runFolder);
        var (settings, saved) = folder.ReadSettings(overrides);
        using var catalog = Cli.LoadPlugins(settings, saved.BaseDirectory);
        using var cancel = Signals.StopOnSignals();
        Announce(settings);
        var progress = new ConsoleProgress(Console.Out);
        var (_, summary) = RunExecutor.Resume(folder, new RunContext(settings, saved, catalog, progress, Console.Out, Console.Error), cancel.Token);
        ConsoleProgress.PrintSummary(Console.Out, folder, summary);
        return Cli.Ok;
    }

    private static void Announce(WinnowSettings settings)
    {
        var r = settings.Run;
        var scorer = r.Scorer.Name.Length == 0 ? "the policy's" : r.Scorer.Name;
        Console.WriteLine($"winnow: {r.Dataset.Name} / {r.Model.Name} / {r.Policy.Name} (scorer {scorer}), {r.Epochs} epochs");
    }
}
