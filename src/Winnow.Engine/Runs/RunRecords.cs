using System.Globalization;
using Winnow.Engine.Core;
using Winnow.Engine.Training;

namespace Winnow.Engine.Runs;

/// <summary>What a resume keeps of a run folder's records, checked before anything is trained: every kept row of the metrics and the
/// selection files must be the row the checkpoint knows for that epoch. A damaged file is refused, naming the file and the line;
/// nothing damaged is carried forward into the resumed run.</summary>
public static class RunRecords
{
    /// <summary>Checks the first <c>epochs.Count</c> rows of both files against <paramref name="epochs"/> (the checkpoint's own record)
    /// and drops the rows after them, which an epoch wrote before its checkpoint was committed.</summary>
    /// <exception cref="StorageError">a file is missing rows, has a changed header, or a row that is not the epoch's; the message names it.</exception>
    public static void CheckAndTrim(RunFolder folder, IReadOnlyList<EpochMetrics> epochs)
    {
        Check(folder.MetricsCsv, EpochMetrics.CsvHeader, epochs, (line, m) =>
            line == m.ToCsv() ? null : $"it is not the row the checkpoint recorded for epoch {m.Epoch} ({m.ToCsv()})");
        Check(folder.SelectionCsv, null, epochs, (line, m) =>
        {
            var f = line.Split(',');
            if (f.Length < 5 || f.Any(x => !double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out _))) return "it is not a selection row";
            if (f[0] != m.Epoch.ToString(CultureInfo.InvariantCulture)) return $"it is for epoch {f[0]}, not {m.Epoch}";
            return f[1] == m.SamplesTrained.ToString(CultureInfo.InvariantCulture) ? null
                : $"it says {f[1]} samples were selected, the checkpoint {m.SamplesTrained}";
        });
    }

    // header null: only checked to have the same number of fields as every row.
    private static void Check(string path, string? header, IReadOnlyList<EpochMetrics> epochs, Func<string, EpochMetrics, string?> problem)
    {
        if (epochs.Count == 0 && !File.Exists(path)) return;
        if (!File.Exists(path)) throw new StorageError($"{path} is missing, but the checkpoint records {epochs.Count} epochs: the run folder is damaged; start the run again");
        var lines = File.ReadAllLines(path);
        string Where(int line) => $"{path}, line {line + 1}";
        if (lines.Length == 0) throw new StorageError($"{path} is empty, but the checkpoint records {epochs.Count} epochs: the run folder is damaged; start the run again");
        if (header is not null && lines[0] != header)
            throw new StorageError($"{Where(0)}: the header is '{lines[0]}', expected '{header}': the file was changed or damaged; nothing was resumed");
        if (!lines[0].StartsWith("epoch,", StringComparison.Ordinal))
            throw new StorageError($"{Where(0)}: the header is '{lines[0]}', which is no header of this file: it was changed or damaged; nothing was resumed");
        var fields = lines[0].Split(',').Length;
        if (lines.Length - 1 < epochs.Count)
            throw new StorageError($"{path} holds {lines.Length - 1} rows, but the checkpoint records {epochs.Count} epochs: rows are missing; nothing was resumed");
        for (var i = 0; i < epochs.Count; i++)
        {
            var line = lines[i + 1];
            var why = line.Split(',').Length != fields ? $"it has {line.Split(',').Length} fields for {fields} columns" : problem(line, epochs[i]);
            if (why is not null)
                throw new StorageError($"{Where(i + 1)}: '{line}': {why}: the file was changed or damaged; nothing was resumed");
        }
        if (lines.Length - 1 > epochs.Count)
            Storage.WriteAtomically(path, string.Join('\n', lines.Take(epochs.Count + 1)) + "\n");
    }
}
