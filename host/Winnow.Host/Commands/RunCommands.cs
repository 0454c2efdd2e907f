using Winnow.Engine.Configuration;
using Winnow.Engine.Runs;

namespace Winnow.Host.Commands;

/// <summary><c>winnow run</c> (the default) starts a run; <c>winnow resume &lt;run folder&gt;</c> continues one from its last checkpoint.</summary>
internal static class RunCommands
{
    public static int Run(CommandLine line)
    {
        if (line.Target is not null) return Cli.Fail(Cli.BadInput, $"unexpected argument '{line.Target}'; overrides look like --Run:Epochs=3");
        var (settings, saved) = Cli.LoadSettings(line);
        using var catalog = Cli.LoadPlugins(settings, saved.BaseDirectory);
        using var cancel = Cli.CancelOnCtrlC();
        Announce(settings);
        var progress = new ConsoleProgress(Console.Out);
        var (folder, summary) = RunExecutor.Start(new RunContext(settings, saved, catalog, progress, Console.Out, Console.Error), cancel.Token);
        ConsoleProgress.PrintSummary(Console.Out, folder, summary);
        return Cli.Ok;
    }

    public static int Resume(CommandLine line)
    {
        if (line.Target is null) return Cli.Fail(Cli.BadInput, "resume needs the run folder to continue: winnow resume runs/<run>");
        var folder = RunFolder.Open(line.Target);
        var (settings, saved) = folder.ReadSettings(line.Overrides);
        using var catalog = Cli.LoadPlugins(settings, saved.BaseDirectory);
        using var cancel = Cli.CancelOnCtrlC();
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
