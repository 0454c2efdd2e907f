using System.Globalization;
using Winnow.Engine.Core;
using Winnow.Engine.Training;

namespace Winnow.Engine.Runs;

/// <summary>What a run folder holds that a report reads: the summary, the epochs of <c>metrics.csv</c> and the per-sample selection counts.</summary>
public sealed record RunData(string Folder, RunSummary? Summary, IReadOnlyList<EpochMetrics> Epochs, int[]? TimesSelected)
{
    /// <summary>An epoch's time as the reports count it: training + scoring + selecting + evaluating.</summary>
    public static double Seconds(EpochMetrics e) => e.TrainSeconds + e.ScoringSeconds + e.SelectingSeconds + e.EvaluatingSeconds;

    /// <summary>Reads a run folder; a missing <c>summary.json</c> or <c>selection-counts.csv</c> is null, a missing <c>metrics.csv</c> no epochs.</summary>
    /// <exception cref="StorageError">a file is there but not readable.</exception>
    public static RunData Load(string folder)
    {
        var summary = RunFolder.ReadSummary(folder);
        var metricsPath = Path.Combine(folder, RunFolder.MetricsFile);
        var epochs = File.Exists(metricsPath) ? ReadMetrics(metricsPath) : [];
        var countsPath = Path.Combine(folder, RunFolder.SelectionCountsFile);
        var counts = File.Exists(countsPath) ? ReadCounts(countsPath) : null;
        return new RunData(Path.GetFullPath(folder), summary, epochs, counts);
    }

    /// <summary>The rows of a metrics file, columns found by their header names. Empty test columns are epochs that were not evaluated;
    /// the columns added later (skipped batches, elapsed seconds) may be missing in older files.</summary>
    /// <exception cref="StorageError">the file is not a metrics file, or a row is not a metrics row (the message names the line).</exception>
    public static List<EpochMetrics> ReadMetrics(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) return [];
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new StorageError($"{path}: no column '{name}' in its header line '{lines[0]}'");
        int Optional(string name) => Array.IndexOf(header, name);
        var c = new[]
        {
            Column("epoch"), Column("learning_rate"), Column("samples_trained"), Column("samples_forwarded"), Column("proxy_forwarded"),
            Column("train_loss"), Column("test_loss"), Column("test_accuracy"), Column("train_seconds"), Column("scoring_seconds"),
            Column("selecting_seconds"), Column("evaluating_seconds"), Optional("skipped_batches"), Optional("skipped_samples"), Optional("elapsed_seconds"),
        };
        var rows = new List<EpochMetrics>();
        foreach (var (line, number) in lines.Skip(1).Select((l, i) => (l, i + 2)))
        {
            var f = line.Split(',');
            try
            {
                if (f.Length != header.Length) throw new FormatException($"{f.Length} fields for {header.Length} columns");
                double D(int i) => double.Parse(f[c[i]], NumberStyles.Float, CultureInfo.InvariantCulture);
                double? Maybe(int i) => f[c[i]].Length == 0 ? null : D(i);
                int Count(int i) => c[i] < 0 ? 0 : int.Parse(f[c[i]], CultureInfo.InvariantCulture);
                rows.Add(new EpochMetrics(int.Parse(f[c[0]], CultureInfo.InvariantCulture), D(1), int.Parse(f[c[2]], CultureInfo.InvariantCulture),
                    long.Parse(f[c[3]], CultureInfo.InvariantCulture), long.Parse(f[c[4]], CultureInfo.InvariantCulture),
                    D(5), Maybe(6), Maybe(7), D(8), D(9), D(10), D(11), Count(12), Count(13), c[14] < 0 ? 0 : D(14)));
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
            {
                throw new StorageError($"{path}:{number}: not a metrics row ({e.Message}): {line}", e);
            }
        }
        return rows;
    }

    /// <summary>The <c>times_selected</c> column of a <c>selection-counts.csv</c>, by sample.</summary>
    public static int[] ReadCounts(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) return [];
        var column = Array.IndexOf(lines[0].Split(','), "times_selected");
        if (column < 0) throw new StorageError($"{path}: no column 'times_selected'");
        var counts = new List<int>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            if (column >= f.Length || !int.TryParse(f[column], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                throw new StorageError($"{path}:{i + 1}: not a selection-count row: {lines[i]}");
            counts.Add(v);
        }
        return [.. counts];
    }
}
