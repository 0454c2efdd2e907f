using System.Text;
using Winnow.Engine.Runs;
using Winnow.Engine.Sweeps;

namespace Winnow.Reports;

/// <summary>The comparison report of a sweep folder: <c>report.md</c>, <c>report.csv</c> (one row per configuration), <c>runs.csv</c>
/// (one row per run) and the plots in <c>plots/</c>; and every run's own accuracy and loss plot in its run folder.</summary>
/// <remarks>Only completed runs enter the table; the others are listed with their status. Wall-clock here is the sum over epochs of
/// training, scoring, selecting and evaluating (what <c>metrics.csv</c> times): it leaves out opening the data, which a sweep does once
/// for many runs, and writing checkpoints.</remarks>
public static class SweepReport
{
    public const string FullPolicy = "full";

    /// <summary>Writes the report of <paramref name="sweepFolder"/> and returns the files written.</summary>
    /// <exception cref="DirectoryNotFoundException">the folder does not exist or holds no <c>sweep.json</c>.</exception>
    public static IReadOnlyList<string> Write(string sweepFolder)
    {
        var folder = Path.GetFullPath(sweepFolder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"sweep folder not found: {folder}");
        var record = SweepRecord.Read(folder) ?? throw new DirectoryNotFoundException($"{folder} is not a sweep folder (it has no {SweepRecord.FileName})");
        var runs = record.Runs.Where(r => !r.NotInSweepFile).OrderBy(r => r.Index).Select(e => (Entry: e, Data: e.FindRunFolder(folder) is { } f ? RunData.Load(f) : null)).ToList();
        var completed = runs.Where(r => r.Data?.Summary?.Status == RunStatus.Completed && r.Data.Epochs.Count > 0).ToList();
        var figures = completed.Select(r => Figures(r.Entry, r.Data!)).ToList();
        var pairs = completed.Select(r => (r.Entry, r.Data!)).ToList();
        var rows = Comparison.Compare(figures, configuration => BaselineOf(configuration, pairs));
        var targets = Comparison.ToTarget(figures, configuration => BaselineOf(configuration, pairs));

        var written = new List<string>();
        var plotsFolder = Path.Combine(folder, "plots");
        var plots = ReportPlots.Write(plotsFolder, record, pairs, written);
        foreach (var (entry, data) in runs)
            if (data is not null && data.Epochs.Count > 0) written.AddRange(RunReport.Write(data, $"{record.Name} run {entry.Index}: {entry.Label}"));

        var markdown = Path.Combine(folder, "report.md");
        var claims = Claims.Judge(figures, record.Claims);
        File.WriteAllText(markdown, ReportTables.Markdown(record, folder, runs, rows, targets, claims, plots), new UTF8Encoding(false));
        var csv = Path.Combine(folder, "report.csv");
        File.WriteAllText(csv, ReportTables.ConfigurationsCsv(rows), new UTF8Encoding(false));
        var runsCsv = Path.Combine(folder, "runs.csv");
        File.WriteAllText(runsCsv, ReportTables.RunsCsv(folder, runs), new UTF8Encoding(false));
        written.InsertRange(0, [markdown, csv, runsCsv]);
        return written;
    }

    /// <summary>A completed run's figures, under its sweep configuration.</summary>
    public static RunFigures Figures(SweepRunRecord entry, RunData data)
    {
        var s = data.Summary!;
        return new RunFigures(entry.Configuration, s.Policy, s.Seed, s.FinalTestAccuracy ?? 0, s.BestTestAccuracy ?? 0,
            s.EffectiveKeepFraction ?? 1, s.NominalKeepFraction,
            data.Epochs.Sum(e => e.TrainSeconds), data.Epochs.Sum(e => e.ScoringSeconds), data.Epochs.Sum(e => e.SelectingSeconds),
            data.Epochs.Sum(e => e.EvaluatingSeconds), data.Epochs.Select(e => new EpochPoint(e.TestAccuracy, RunData.Seconds(e))).ToList(),
            s.TargetAccuracy, s.TargetReachedSeconds);
    }

    /// <summary>The full-data configuration a configuration is compared with: one whose runs used the <c>full</c> policy and whose varied
    /// values agree on every key outside <c>Run:Policy</c> and <c>Run:Seed</c> (same epochs, same data, same model…); null when none does.</summary>
    public static string? BaselineOf(string configuration, IReadOnlyList<(SweepRunRecord Entry, RunData Data)> completed)
    {
        var mine = completed.FirstOrDefault(r => r.Entry.Configuration == configuration).Entry;
        if (mine is null) return null;
        static bool Compared(string key) =>
            !string.Equals(key, "Run:Policy", StringComparison.OrdinalIgnoreCase) && !SweepDefinition.IsUnder(key, "Run:Policy")
            && !string.Equals(key, SweepDefinition.SeedKey, StringComparison.OrdinalIgnoreCase);
        var keys = completed.SelectMany(r => r.Entry.Values.Select(v => v.Key)).Where(Compared).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return completed
            .Where(r => string.Equals(r.Data.Summary!.Policy, FullPolicy, StringComparison.OrdinalIgnoreCase))
            .Select(r => r.Entry)
            .FirstOrDefault(full => keys.All(k => full.Get(k) == mine.Get(k)))?.Configuration;
    }
}
