using System.CommandLine;
using Winnow.Engine.Configuration;
using Winnow.Engine.Runs;
using Winnow.Engine.Sweeps;
using Winnow.Reports;

namespace Winnow.Host.Commands;

/// <summary><c>winnow report &lt;sweep folder | run folder&gt;</c>: the comparison report of a sweep (Markdown, CSV, plots, and every run's
/// own plot), or the accuracy and loss plot of a single run.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var folder = Syntax.Positional("folder", "a sweep folder (e.g. runs/sweeps/quick) or a run folder");
        folder.HelpName = "sweep folder | run folder";
        var command = new Command("report", "Writes a sweep folder's comparison table and plots again, or a run folder's accuracy-and-loss plot.") { folder };
        command.SetAction(parse => Write(parse.GetRequiredValue(folder)));
        return command;
    }

    private static int Write(string target)
    {
        var folder = Path.GetFullPath(target);
        if (!Directory.Exists(folder)) throw new ConfigurationError($"folder not found: {folder}");
        IReadOnlyList<string> files;
        if (File.Exists(Path.Combine(folder, SweepRecord.FileName))) files = SweepReport.Write(folder);
        else if (RunFolder.IsRunFolder(folder)) files = RunReport.Write(folder);
        else throw new ConfigurationError($"{folder} is neither a sweep folder (no {SweepRecord.FileName}) nor a run folder (no {RunFolder.SettingsFile})");
        foreach (var f in files) Console.WriteLine(Path.GetRelativePath(Environment.CurrentDirectory, f));
        return Cli.Ok;
    }
}
