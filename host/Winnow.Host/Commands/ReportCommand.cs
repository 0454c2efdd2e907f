using Winnow.Engine.Configuration;
using Winnow.Engine.Runs;
using Winnow.Engine.Sweeps;
using Winnow.Reports;

namespace Winnow.Host.Commands;

/// <summary><c>winnow report &lt;sweep folder | run folder&gt;</c>: the comparison report of a sweep (Markdown, CSV, plots, and every run's
/// own plot), or the accuracy and loss plot of a single run.</summary>
internal static class ReportCommand
{
    public static int Write(CommandLine line)
    {
        if (line.Target is null) return Cli.Fail(Cli.BadInput, "report needs a sweep folder or a run folder: winnow report runs/sweeps/quick");
        if (line.Overrides.Count > 0) return Cli.Fail(Cli.BadInput, $"unexpected argument '{line.Overrides[0]}'");
        var folder = Path.GetFullPath(line.Target);
        if (!Directory.Exists(folder)) throw new ConfigurationError($"folder not found: {folder}");
        IReadOnlyList<string> files;
        if (File.Exists(Path.Combine(folder, SweepRecord.FileName))) files = SweepReport.Write(folder);
        else if (RunFolder.IsRunFolder(folder)) files = RunReport.Write(folder);
        else throw new ConfigurationError($"{folder} is neither a sweep folder (no {SweepRecord.FileName}) nor a run folder (no {RunFolder.SettingsFile})");
        foreach (var f in files) Console.WriteLine(Path.GetRelativePath(Environment.CurrentDirectory, f));
        return Cli.Ok;
    }
}
