using System.Text.Json;
using Winnow.Engine.Core;
using Winnow.Engine.Runs;

namespace Winnow.Engine.Sweeps;

/// <summary>What <c>sweep.json</c> holds: the sweep's base configuration and, per run, its varied values, its folder and how far it got.
/// It is rewritten (atomically) whenever a run starts or ends, so a killed sweep knows on its next start which runs are done.</summary>
public sealed class SweepRecord
{
    public const string FileName = "sweep.json";
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    /// <summary>The sweep file the sweep was started from.</summary>
    public string SweepFile { get; set; } = "";
    /// <summary>The folder relative paths of the base configuration start from.</summary>
    public string BaseDirectory { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    /// <summary>The base configuration as flat keys, after environment and command line; a continued sweep must have the same.</summary>
    public SortedDictionary<string, string> Base { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>The varied keys, in the sweep file's order.</summary>
    public List<string> Varied { get; set; } = [];
    public List<SweepRunRecord> Runs { get; set; } = [];

    /// <summary>The sweep file's claims, as of the last time the sweep was started.</summary>
    public List<SweepClaim> Claims { get; set; } = [];

    /// <summary>Reads <c>sweep.json</c> of <paramref name="folder"/>, or null when there is none.</summary>
    /// <exception cref="StorageError">it is not readable.</exception>
    public static SweepRecord? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        SweepRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<SweepRecord>(File.ReadAllText(path), JsonFormat.Options);
        }
        catch (JsonException e)
        {
            throw new StorageError($"{path}: not readable: {e.Message}", e);
        }
        if (record is null) throw new StorageError($"{path} is empty");
        if (record.Version != CurrentVersion) throw new StorageError($"{path}: format {record.Version}, this winnow reads {CurrentVersion}");
        return record;
    }

    /// <summary>Writes <c>sweep.json</c> into <paramref name="folder"/> by write-then-rename: a kill leaves the old one or the new one.</summary>
    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        Storage.WriteAtomically(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, JsonFormat.Options));
    }
}

/// <summary>One run of a sweep in <c>sweep.json</c>.</summary>
/// <summary>Where a sweep's run stands (written as <c>pending</c>, <c>running</c>, <c>completed</c>, <c>stopped</c>, <c>failed</c>).</summary>
public enum SweepRunStatus
{
    Pending,
    /// <summary>Running now, or killed while running.</summary>
    Running,
    Completed,
    Stopped,
    Failed,
}

public sealed class SweepRunRecord
{
    /// <summary>The status as sweep.json and the reports write it.</summary>
    public string StatusText => Status.ToString().ToLowerInvariant();

    /// <summary>Whether the record says the run began (or ended) but its run folder is no longer on disk: the disk wins, nothing of it is left.</summary>
    public bool FolderIsGone(string sweepFolder) =>
        Status is SweepRunStatus.Completed or SweepRunStatus.Stopped or SweepRunStatus.Running && FindRunFolder(sweepFolder) is null;

    /// <summary>Whether the run completed or failed, by whichever process, and the disk bears it out (its folder is not gone).</summary>
    public bool IsFinished(string sweepFolder) => Status is SweepRunStatus.Completed or SweepRunStatus.Failed && !FolderIsGone(sweepFolder);

    /// <summary>The status the disk bears out, for reports: <c>missing</c> for a run whose folder is gone.</summary>
    public string StatusOnDisk(string sweepFolder) => FolderIsGone(sweepFolder) ? "missing (its run folder is gone)" : StatusText;

    /// <summary>1-based, fixed when the run is first planned; it names the run's directory.</summary>
    public int Index { get; set; }
    public string Label { get; set; } = "";
    /// <summary>The label without the seed: the report averages the runs that share it.</summary>
    public string Configuration { get; set; } = "";
    /// <summary>The varied keys' values for this run (skipped keys left out).</summary>
    public List<SweepValue> Values { get; set; } = [];
    /// <summary>Option keys left out because the run's plugin has no such option.</summary>
    public List<string> Skipped { get; set; } = [];
    /// <summary>The run's output directory, relative to the sweep folder; the run folder is created inside it.</summary>
    public string Directory { get; set; } = "";
    /// <summary>The run folder, relative to the sweep folder, once the run has made one.</summary>
    public string? RunFolder { get; set; }
    public SweepRunStatus Status { get; set; } = SweepRunStatus.Pending;
    public string? Error { get; set; }
    public DateTimeOffset? Started { get; set; }
    public DateTimeOffset? Ended { get; set; }
    /// <summary>The sweep file, edited since, no longer plans this run: its folder and record are kept, the report leaves it out.</summary>
    public bool NotInSweepFile { get; set; }

    public string Identity => SweepPlan.IdentityOf(Values.Select(v => new KeyValuePair<string, string>(v.Key, v.Value)));

    /// <summary>The value of a varied key for this run, or null when the run does not set it.</summary>
    public string? Get(string key) => Values.FirstOrDefault(v => string.Equals(v.Key, key, StringComparison.OrdinalIgnoreCase))?.Value;

    /// <summary>The run folder: the recorded one, else the one run folder inside <see cref="Directory"/>, else null.</summary>
    public string? FindRunFolder(string sweepFolder)
    {
        if (RunFolder is not null && System.IO.Directory.Exists(Path.Combine(sweepFolder, RunFolder))) return Path.GetFullPath(Path.Combine(sweepFolder, RunFolder));
        var directory = Path.Combine(sweepFolder, Directory);
        if (!System.IO.Directory.Exists(directory)) return null;
        var folders = System.IO.Directory.GetDirectories(directory)
            .Where(d => File.Exists(Path.Combine(d, Runs.RunFolder.SettingsFile))).Order(StringComparer.Ordinal).ToList();
        return folders.Count == 0 ? null : Path.GetFullPath(folders[^1]);
    }
}

/// <summary>A configuration key and the value a run gives it.</summary>
public sealed record SweepValue(string Key, string Value);
