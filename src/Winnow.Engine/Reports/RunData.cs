using System.Globalization;
using System.Text.Json;
using Winnow.Engine.Runs;

namespace Winnow.Engine.Reports;

/// <summary>What a run folder holds that a report reads: the summary, the epochs of <c>metrics.csv</c> and the per-sample selection counts.</summary>
public sealed record RunData(string Folder, RunSummary? Summary, IReadOnlyList<EpochMetrics> Epochs, int[]? TimesSelected)
{
    /// <summary>An epoch's wall-clock as the reports count it: training + scoring + selecting + evaluating.</summary>
    public static double Seconds(EpochMetrics e) => e.TrainSeconds + e.ScoringSeconds + e.SelectingSeconds + e.EvaluatingSeconds;

    /// <summary>Reads a run folder; a missing <c>summary.json</c> or <c>selection-counts.csv</c> is null, a missing <c>metrics.csv</c> no epochs.</summary>
    /// <exception cref="InvalidDataException">a file is there but not readable.</exception>
    public static RunData Load(string folder)
    {
        var summaryPath = Path.Combine(folder, "summary.json");
        RunSummary? summary = null;
        if (File.Exists(summaryPath))
        {
            try
            {
                summary = JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(summaryPath), RunFolder.Json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{summaryPath}: not readable: {e.Message}", e);
            }
        }
        var metricsPath = Path.Combine(folder, "metrics.csv");
        var epochs = File.Exists(metricsPath) ? ReadMetrics(metricsPath) : [];
        var countsPath = Path.Combine(folder, "selection-counts.csv");
        var counts = File.Exists(countsPath) ? ReadCounts(countsPath) : null;
        return new RunData(Path.GetFullPath(folder), summary, epochs, counts);
    }

    /// <summary>The rows of a <c>metrics.csv</c>, columns found by their header names.</summary>
    public static List<EpochMetrics> ReadMetrics(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) return [];
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidDataException($"{path}: no column '{name}'");
        var c = new[]
        {
            Column("epoch"), Column("learning_rate"), Column("samples_trained"), Column("samples_forwarded"), Column("proxy_forwarded"),
            Column("train_loss"), Column("test_loss"), Column("test_accuracy"), Column("train_seconds"), Column("scoring_seconds"),
            Column("selecting_seconds"), Column("evaluating_seconds"),
        };
        var rows = new List<EpochMetrics>();
        foreach (var (line, number) in lines.Skip(1).Select((l, i) => (l, i + 2)))
        {
            var f = line.Split(',');
            try
            {
                double D(int i) => double.Parse(f[c[i]], NumberStyles.Float, CultureInfo.InvariantCulture);
                rows.Add(new EpochMetrics(int.Parse(f[c[0]], CultureInfo.InvariantCulture), D(1), int.Parse(f[c[2]], CultureInfo.InvariantCulture),
                    long.Parse(f[c[3]], CultureInfo.InvariantCulture), long.Parse(f[c[4]], CultureInfo.InvariantCulture),
                    D(5), D(6), D(7), D(8), D(9), D(10), D(11)));
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
            {
                throw new InvalidDataException($"{path}:{number}: not a metrics row: {line}", e);
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
        if (column < 0) throw new InvalidDataException($"{path}: no column 'times_selected'");
        var counts = new List<int>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            if (column >= f.Length || !int.TryParse(f[column], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                throw new InvalidDataException($"{path}:{i + 1}: not a selection-count row: {lines[i]}");
            counts.Add(v);
        }
        return [.. counts];
    }
}
