using System.Text.Json;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;
using Winnow.Engine.Training;

namespace Winnow.Engine.Runs;

/// <summary>The folder one run writes, and the one place that knows the names of its files. Every run gets a new folder; no run ever
/// writes into another's.</summary>
public sealed class RunFolder
{
    /// <summary>Marks a folder as claimed by a run (created exclusively); the process training it holds it locked.</summary>
    public const string MarkerFile = ".run";
    public const string SettingsFile = "settings.json";
    public const string ConfigFile = "config.json";
    public const string MetricsFile = "metrics.csv";
    public const string SelectionFile = "selection.csv";
    public const string SelectionCountsFile = "selection-counts.csv";
    public const string SummaryFile = "summary.json";
    public const string CheckpointPointerFile = "checkpoint.json";
    public const string CheckpointsFolder = "checkpoints";
    /// <summary>The plot of a run, without its extension (<c>.png</c> and <c>.svg</c> are written).</summary>
    public const string PlotStem = "accuracy-loss";

    private RunFolder(string path) => Path = path;

    public string Path { get; }
    public string Id => System.IO.Path.GetFileName(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public string MetricsCsv => File(MetricsFile);
    public string SelectionCsv => File(SelectionFile);
    public string SelectionCountsCsv => File(SelectionCountsFile);
    public string SummaryJson => File(SummaryFile);
    public string SettingsJson => File(SettingsFile);

    /// <summary>Whether <paramref name="folder"/> looks like a run folder (it has a settings file or metrics).</summary>
    public static bool IsRunFolder(string folder) =>
        System.IO.File.Exists(System.IO.Path.Combine(folder, SettingsFile)) || System.IO.File.Exists(System.IO.Path.Combine(folder, MetricsFile));

    /// <summary>Creates <c>&lt;root&gt;/&lt;time&gt;-&lt;label&gt;</c>, adding <c>-2</c>, <c>-3</c>, … when that name is taken.
    /// A folder is claimed by creating its marker file exclusively, so two runs started at once never share one.</summary>
    /// <exception cref="StorageError">the output folder cannot be created or written (the message says why: permission, full disk, read-only).</exception>
    public static RunFolder Create(string root, string label)
    {
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageError($"cannot create the output folder {root}: {Storage.Reason(e)}; set Run:OutputDirectory to a folder you can write to", e);
        }
        var stem = $"{DateTime.Now:yyyyMMdd-HHmmss}-{Names.Sanitize(label)}";
        for (var n = 1; ; n++)
        {
            var path = System.IO.Path.Combine(root, n == 1 ? stem : $"{stem}-{n}");
            if (Directory.Exists(path)) continue;
            try
            {
                Directory.CreateDirectory(path);
                using (new FileStream(System.IO.Path.Combine(path, MarkerFile), FileMode.CreateNew, FileAccess.Write)) { }
                return new RunFolder(path);
            }
            catch (IOException) when (System.IO.File.Exists(System.IO.Path.Combine(path, MarkerFile)))
            {
                // Another run claimed this name between our check and our claim: take the next.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageError($"cannot create a run folder in {root}: {Storage.Reason(e)}; set Run:OutputDirectory to a folder you can write to", e);
            }
        }
    }

    /// <summary>An existing run folder, for <c>resume</c>.</summary>
    /// <exception cref="ConfigurationError">it does not exist, or is not a run folder.</exception>
    public static RunFolder Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new ConfigurationError($"run folder not found: {full}");
        if (!System.IO.File.Exists(System.IO.Path.Combine(full, SettingsFile)))
        {
            // Claimed (the marker is there) but never given its settings: the run was killed in the millisecond between the two.
            if (System.IO.File.Exists(System.IO.Path.Combine(full, MarkerFile)))
                throw new ConfigurationError($"{full} holds no run: the run that created it was stopped before it wrote its {SettingsFile}, " +
                                             "so nothing was trained; start the run again (this folder can be deleted)");
            throw new ConfigurationError($"{full} is not a run folder (it has no {SettingsFile})");
        }
        return new RunFolder(full);
    }

    /// <summary>Takes the folder for this process until the returned handle is disposed (or the process ends), so two processes never
    /// train into one folder, for example two <c>resume</c>s of it.</summary>
    /// <exception cref="StorageError">another process holds it, or it cannot be written.</exception>
    public IDisposable Lock() =>
        FolderLock.Take(File(MarkerFile), $"the run folder {Path} is in use by another winnow process (it is being trained or resumed right now); " +
                                          "wait for that process to end");

    /// <summary>Removes a folder this process created for a run that could not start (best effort): no half-written folder is left.</summary>
    public void Discard() => Storage.DeleteQuietly(Path);

    public void WriteSettings(SavedSettings settings) => Storage.WriteAtomically(SettingsJson, settings.ToJson());

    public (WinnowSettings Settings, SavedSettings Saved) ReadSettings(IReadOnlyList<string> overrides) => SavedSettings.Load(SettingsJson, overrides);

    public void WriteConfig(object resolved) => Storage.WriteAtomically(File(ConfigFile), JsonSerializer.Serialize(resolved, JsonFormat.Options));

    public void WriteSummary(RunSummary summary) => Storage.WriteAtomically(SummaryJson, JsonSerializer.Serialize(summary, JsonFormat.Options));

    /// <summary>Appends an epoch's row, flushed to disk, so a killed run keeps every epoch it finished.</summary>
    public void AppendMetrics(EpochMetrics row) => Storage.AppendLine(MetricsCsv, EpochMetrics.CsvHeader, row.ToCsv());

    /// <summary>Reads <paramref name="folder"/>'s summary; null when it has none.</summary>
    /// <exception cref="StorageError">it is there but not readable.</exception>
    public static RunSummary? ReadSummary(string folder)
    {
        var path = System.IO.Path.Combine(folder, SummaryFile);
        if (!System.IO.File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<RunSummary>(System.IO.File.ReadAllText(path), JsonFormat.Options);
        }
        catch (JsonException e)
        {
            throw new StorageError($"{path}: not readable: {e.Message}", e);
        }
    }
}
