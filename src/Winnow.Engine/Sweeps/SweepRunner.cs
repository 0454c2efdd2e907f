using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;
using Winnow.Engine.Plugins;
using Winnow.Engine.Runs;
using Winnow.Engine.Training;

namespace Winnow.Engine.Sweeps;

/// <summary>How a sweep, or this process's shard of it, ended: its runs by status, and those another process was running.</summary>
public sealed record SweepOutcome(int Completed, int Stopped, int Failed, int Total, int Elsewhere = 0);

/// <summary>Runs a sweep's runs, or one shard's share of them (<see cref="SweepShard"/>), one after another in this process, in the sweep
/// folder, and continues a sweep that was killed or stopped.</summary>
/// <remarks>
/// The sweep folder holds <c>sweep.json</c> (<see cref="SweepRecord"/>) and <c>runs/&lt;NNN&gt;-&lt;label&gt;/</c>, one directory per run,
/// in which the run makes its run folder as a single run would. Started again on the same folder, a sweep skips runs that completed
/// or failed, resumes from its checkpoint a run that was killed or stopped (<see cref="RunExecutor.Resume"/>), starts again a run
/// killed before its first checkpoint, and starts the runs not yet begun. Runs on the same dataset configuration share the opened
/// data (<see cref="DatasetCache"/>): they are run next to each other.
/// <para>Any number of processes, on machines that share the folder, may sweep it at once. A process claims a run by locking
/// <c>runs/&lt;NNN&gt;-&lt;label&gt;/.claim</c> for as long as it runs it, and skips a run another holds. <c>sweep.json</c> is only ever
/// changed under the lock of <c>.lock</c>, held for the moment of a read-merge-write: the record is read again, this process's
/// change (its run's entry, or the runs it planned) is merged in, and it is written back, so no process loses another's.</para>
/// </remarks>
public sealed class SweepRunner
{
    // How long a process waits for another's read-merge-write of sweep.json: it takes milliseconds, so a minute means a broken lock.
    private static readonly TimeSpan RecordPatience = TimeSpan.FromSeconds(60);

    private readonly SweepDefinition _definition;
    private readonly IReadOnlyList<SweepCombination> _plan;
    private List<(SweepCombination Combination, SweepRunRecord Entry)> _runs;

    private SweepRunner(SweepDefinition definition, IReadOnlyList<SweepCombination> plan, string folder, SweepRecord record, List<(SweepCombination, SweepRunRecord)> runs)
    {
        _definition = definition;
        _plan = plan;
        Folder = folder;
        Record = record;
        _runs = runs;
    }

    /// <summary>The sweep folder.</summary>
    public string Folder { get; }

    public SweepRecord Record { get; private set; }

    /// <summary>The runs of the plan, each with its record, in the sweep file's order.</summary>
    public IReadOnlyList<(SweepCombination Combination, SweepRunRecord Entry)> Runs => _runs;

    /// <summary>The sweep folder: <paramref name="output"/> (relative to the current folder) when given, else the file's <c>Output</c>
    /// (relative to the sweep file), else <c>runs/sweeps/&lt;name&gt;</c> in the current folder, the name sanitised so that it cannot
    /// climb out of that folder (<c>..</c>) or hide itself.</summary>
    public static string FolderFor(SweepDefinition definition, string? output) =>
        output is not null ? Path.GetFullPath(output)
        : definition.Output is not null ? Path.GetFullPath(definition.Output, Path.GetDirectoryName(definition.File)!)
        : Path.GetFullPath(Path.Combine("runs", "sweeps", Names.Sanitize(definition.Name)));

    /// <summary>Matches the plan with the sweep folder's <c>sweep.json</c>, if any (nothing is written).</summary>
    /// <exception cref="ConfigurationError">the folder holds a sweep with another base configuration.</exception>
    public static SweepRunner Open(SweepDefinition definition, IReadOnlyList<SweepCombination> plan, string folder)
    {
        var record = SweepRecord.Read(folder);
        if (record is null)
        {
            record = new SweepRecord
            {
                Name = definition.Name,
                Description = definition.Description,
                SweepFile = definition.File,
                BaseDirectory = definition.BaseDirectory,
                Created = DateTimeOffset.Now,
                Base = new SortedDictionary<string, string>(definition.Base.ToDictionary(), StringComparer.OrdinalIgnoreCase),
                Varied = definition.Vary.Select(v => v.Key).ToList(),
            };
        }
        else
        {
            var changed = ChangedKeys(record.Base, definition.Base);
            if (changed.Count > 0)
                throw new ConfigurationError(
                    $"{folder} holds a sweep started with another base configuration ({string.Join(", ", changed)} differ); " +
                    "continue it with the configuration it started with, or give this one another folder (--output <folder>)");
            record.Description = definition.Description;
            foreach (var key in definition.Vary.Select(v => v.Key))
                if (!record.Varied.Contains(key, StringComparer.OrdinalIgnoreCase)) record.Varied.Add(key);
        }

        var configurations = plan.Select(c => c.Configuration).Distinct(StringComparer.Ordinal).ToList();
        var unknown = definition.Claims.SelectMany(c => new[] { c.Better, c.Than }).Where(n => !configurations.Contains(n, StringComparer.Ordinal)).Distinct().ToList();
        if (unknown.Count > 0)
            throw new ConfigurationError(unknown.Select(n =>
                $"{definition.File}: Claims: '{n}' is no configuration of this sweep; its configurations are: {string.Join("; ", configurations)}").ToList());
        record.Claims = [.. definition.Claims];

        var runs = new List<(SweepCombination, SweepRunRecord)>();
        foreach (var combination in plan)
        {
            var entry = record.Runs.FirstOrDefault(r => r.Identity == combination.Identity);
            if (entry is null)
            {
                var index = record.Runs.Count == 0 ? 1 : record.Runs.Max(r => r.Index) + 1;
                entry = new SweepRunRecord
                {
                    Index = index,
                    Label = combination.Label,
                    Configuration = combination.Configuration,
                    Values = combination.Values.Select(kv => new SweepValue(kv.Key, kv.Value)).ToList(),
                    Skipped = [.. combination.Skipped],
                    Directory = Path.Combine("runs", $"{index:D3}-{Names.Sanitize(combination.Label)}"),
                };
                record.Runs.Add(entry);
            }
            runs.Add((combination, entry));
        }
        // A run recorded as done whose folder was deleted is run again: the record is not trusted over the disk.
        foreach (var entry in record.Runs.Where(e => e.FolderIsGone(folder)))
        {
            entry.Status = SweepRunStatus.Pending;
            entry.RunFolder = null;
            entry.Error = "its run folder was gone, so it runs again";
        }
        // Runs of an earlier version of the sweep file are kept on disk and in sweep.json, but no longer count as this sweep's.
        var planned = runs.Select(r => r.Item2).ToHashSet();
        foreach (var entry in record.Runs) entry.NotInSweepFile = !planned.Contains(entry);
        return new SweepRunner(definition, plan, folder, record, runs);
    }

    /// <summary>The settings of one run: its configuration with its output directory inside the sweep folder.</summary>
    public (WinnowSettings Settings, SavedSettings Saved) SettingsOf(SweepCombination combination, SweepRunRecord entry)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in combination.Settings) values[k] = v;
        values["Run:OutputDirectory"] = Path.Combine(Folder, entry.Directory);
        var raw = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return (StrictBinder.Bind<WinnowSettings>(raw, ""), SavedSettings.From(raw, _definition.BaseDirectory));
    }

    /// <summary>Checks every run that is still to do, as a single run checks itself before reading data: keys, values, plugin names
    /// and plugin options. Every problem is named with its run.</summary>
    /// <exception cref="ConfigurationError">listing every problem of every run.</exception>
    public void Validate(Func<WinnowSettings, PluginCatalog> catalogFor)
    {
        var problems = new List<string>();
        foreach (var (combination, entry) in _runs)
        {
            if (entry.Status is SweepRunStatus.Completed or SweepRunStatus.Failed) continue;
            try
            {
                var (settings, _) = SettingsOf(combination, entry);
                RunComposer.Choose(settings.Run, catalogFor(settings));
            }
            catch (ConfigurationError e)
            {
                problems.AddRange(e.Problems.Select(p => $"run {entry.Index} ({entry.Label}): {p}"));
            }
        }
        if (problems.Count > 0) throw new ConfigurationError(problems);
    }

    /// <summary>Runs every run of <paramref name="shard"/> still to do (every run when it is <see cref="SweepShard.Whole"/>), skipping
    /// those another process is running. A run that fails is recorded as failed and the sweep goes on; cancelling stops the run in
    /// progress (recorded as stopped, continued next time) and rethrows.</summary>
    /// <param name="shard">This process's share of the runs.</param>
    /// <param name="catalogFor">The plugin catalog for a run's settings (the host caches one per plugins folder).</param>
    /// <param name="observer">Receives every run's progress.</param>
    /// <param name="log">Where the sweep and its runs write their lines.</param>
    /// <param name="warnings">Where warnings go, one line each.</param>
    public SweepOutcome Execute(SweepShard shard, Func<WinnowSettings, PluginCatalog> catalogFor, IRunObserver observer, TextWriter log, TextWriter warnings,
        CancellationToken cancel = default)
    {
        Directory.CreateDirectory(Folder);
        // Planned again under the lock: another process may have planned runs (and given them their numbers) since Open read the record.
        using (RecordLock())
        {
            var fresh = Open(_definition, _plan, Folder);
            (Record, _runs) = (fresh.Record, fresh._runs);
            WritePlanned();
        }
        using var datasets = new DatasetCache();
        // Runs that read the same data run next to each other, so each dataset is opened once.
        var order = _runs.Select((r, i) => (r.Combination, r.Entry, Position: i)).Where(r => shard.Owns(r.Position))
            .OrderBy(r => DataKey(r.Combination), StringComparer.Ordinal).ThenBy(r => r.Position).ToList();
        var share = shard.IsWhole ? "" : $", shard {shard} ({order.Count} of {_runs.Count} runs)";
        var done = 0;
        var elsewhere = new HashSet<SweepRunRecord>();
        foreach (var (combination, entry, _) in order)
        {
            // A stop between runs starts no new one (it would leave a run folder with nothing in it).
            cancel.ThrowIfCancellationRequested();
            done++;
            var heading = $"sweep {Record.Name}{share}: run {entry.Index} ({done} of {order.Count}): {entry.Label}";
            if (entry.Status is SweepRunStatus.Completed or SweepRunStatus.Failed)
            {
                log.WriteLine($"{heading}: {entry.StatusText} before, skipped");
                continue;
            }
            Directory.CreateDirectory(Path.Combine(Folder, entry.Directory));
            var claimFile = Path.Combine(Folder, entry.Directory, ".claim");
            using var claim = FolderLock.TryTake(claimFile);
            if (claim is null)
            {
                log.WriteLine($"{heading}: another process is running it (it holds {claimFile}), skipped");
                elsewhere.Add(entry);
                continue;
            }
            if (Refreshed(entry).Status is SweepRunStatus.Completed or SweepRunStatus.Failed)
            {
                log.WriteLine($"{heading}: {entry.StatusText} by another process meanwhile, skipped");
                continue;
            }
            log.WriteLine();
            log.WriteLine(heading);
            RunOne(combination, entry, catalogFor, observer, log, warnings, datasets, cancel);
        }
        log.WriteLine();
        log.WriteLine($"sweep {Record.Name}{share}: data opened {datasets.Opened} time(s), reused {datasets.Reused} time(s)");
        var statuses = order.Where(r => !elsewhere.Contains(r.Entry)).Select(r => r.Entry.Status).ToList();
        return new SweepOutcome(statuses.Count(s => s == SweepRunStatus.Completed), statuses.Count(s => s == SweepRunStatus.Stopped),
            statuses.Count(s => s == SweepRunStatus.Failed), order.Count, elsewhere.Count);
    }

    /// <summary>Whether every run of the sweep file has completed or failed, as <c>sweep.json</c> says now (whichever process ran it).</summary>
    public bool AllFinished()
    {
        using var _ = RecordLock();
        var record = SweepRecord.Read(Folder);
        var identities = _plan.Select(c => c.Identity).ToHashSet(StringComparer.Ordinal);
        var finished = record?.Runs.Where(r => identities.Contains(r.Identity) && r.IsFinished(Folder))
            .Select(r => r.Identity).ToHashSet(StringComparer.Ordinal) ?? [];
        return identities.All(finished.Contains);
    }

    /// <summary>Runs <paramref name="action"/> while holding the lock of <c>sweep.json</c>: for writing the report while shards may be
    /// finishing.</summary>
    public T WhileRecordLocked<T>(Func<T> action)
    {
        using var _ = RecordLock();
        return action();
    }

    private IDisposable RecordLock() => FolderLock.Wait(Path.Combine(Folder, ".lock"), RecordPatience);

    // Writes the sweep's description and the runs this process planned that the record on disk lacks; every other entry stays as
    // the disk has it (called under the record lock, just after reading it).
    private void WritePlanned()
    {
        var disk = SweepRecord.Read(Folder);
        if (disk is null)
        {
            Record.Write(Folder);
            return;
        }
        disk.Description = Record.Description;
        disk.Varied = Record.Varied;
        disk.Claims = Record.Claims;
        var known = disk.Runs.Select(r => r.Index).ToHashSet();
        disk.Runs.AddRange(Record.Runs.Where(r => !known.Contains(r.Index)));
        foreach (var r in disk.Runs) r.NotInSweepFile = Record.Runs.FirstOrDefault(m => m.Index == r.Index)?.NotInSweepFile ?? r.NotInSweepFile;
        disk.Write(Folder);
    }

    // This run's entry as the record on disk has it now (another process may have run it since this one read the record).
    private SweepRunRecord Refreshed(SweepRunRecord entry)
    {
        using var _ = RecordLock();
        if (SweepRecord.Read(Folder)?.Runs.FirstOrDefault(r => r.Index == entry.Index) is { } disk && disk.IsFinished(Folder))
        {
            (entry.Status, entry.Error, entry.RunFolder, entry.Started, entry.Ended) = (disk.Status, disk.Error, disk.RunFolder, disk.Started, disk.Ended);
        }
        return entry;
    }

    // Merges this run's entry into the record on disk, leaving every other run's entry as another process may have written it.
    private void Save(SweepRunRecord entry)
    {
        using var _ = RecordLock();
        var disk = SweepRecord.Read(Folder) ?? Record;
        var at = disk.Runs.FindIndex(r => r.Index == entry.Index);
        if (at >= 0) disk.Runs[at] = entry;
        else disk.Runs.Add(entry);
        disk.Write(Folder);
    }

    private void RunOne(SweepCombination combination, SweepRunRecord entry, Func<WinnowSettings, PluginCatalog> catalogFor,
        IRunObserver observer, TextWriter log, TextWriter warnings, DatasetCache datasets, CancellationToken cancel)
    {
        var existing = entry.FindRunFolder(Folder);
        RunFolder? toResume = null;
        if (existing is not null)
        {
            if (RunFolder.ReadSummary(existing)?.Status == RunStatus.Completed)
            {
                // Killed after the run ended but before sweep.json said so.
                Finish(entry, existing, SweepRunStatus.Completed, null);
                log.WriteLine($"  already completed in {existing}");
                return;
            }
            var folder = RunFolder.Open(existing);
            if (new Checkpoint(folder).Latest() is not null) toResume = folder;
            else
            {
                log.WriteLine($"  {existing} stopped before its first checkpoint: starting the run again");
                Directory.Delete(existing, recursive: true);
            }
        }

        entry.Status = SweepRunStatus.Running;
        entry.Error = null;
        entry.Started ??= DateTimeOffset.Now;
        if (toResume is not null) entry.RunFolder = Path.GetRelativePath(Folder, toResume.Path);
        Save(entry);
        try
        {
            RunSummary summary;
            RunFolder folder;
            if (toResume is not null)
            {
                var (settings, saved) = toResume.ReadSettings([]);
                (folder, summary) = RunExecutor.Resume(toResume, new RunContext(settings, saved, catalogFor(settings), observer, log, warnings, datasets), cancel);
            }
            else
            {
                var (settings, saved) = SettingsOf(combination, entry);
                (folder, summary) = RunExecutor.Start(new RunContext(settings, saved, catalogFor(settings), observer, log, warnings, datasets), cancel);
            }
            Finish(entry, folder.Path, summary.Status == RunStatus.Completed ? SweepRunStatus.Completed : SweepRunStatus.Stopped, null);
            log.WriteLine(FormattableString.Invariant(
                $"  {entry.StatusText}: final test accuracy {summary.FinalTestAccuracy * 100:F2}%, keep {summary.EffectiveKeepFraction:F3} effective, {summary.WallSeconds:F1}s; {folder.Path}"));
        }
        catch (Exception e) when (e is OperationCanceledException or StoppedError)
        {
            Finish(entry, entry.FindRunFolder(Folder), SweepRunStatus.Stopped, null);
            throw;
        }
        catch (WinnowError e)
        {
            Finish(entry, entry.FindRunFolder(Folder), SweepRunStatus.Failed, e.Message);
            log.WriteLine($"  failed: {e.Message}");
        }
    }

    private void Finish(SweepRunRecord entry, string? runFolder, SweepRunStatus status, string? error)
    {
        entry.Status = status;
        entry.Error = error;
        entry.Ended = DateTimeOffset.Now;
        if (runFolder is not null) entry.RunFolder = Path.GetRelativePath(Folder, runFolder);
        Save(entry);
    }

    // Everything a dataset is opened from: its section, the seed, and where plugins come from.
    private static string DataKey(SweepCombination c) =>
        string.Join('\n', c.Settings.Where(kv => kv.Key.StartsWith("Run:Dataset", StringComparison.OrdinalIgnoreCase)
                                                 || kv.Key.Equals(SweepDefinition.SeedKey, StringComparison.OrdinalIgnoreCase)
                                                 || kv.Key.StartsWith("Plugins:", StringComparison.OrdinalIgnoreCase))
            .OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase).Select(kv => kv.Key.ToLowerInvariant() + "=" + kv.Value));

    private static List<string> ChangedKeys(IReadOnlyDictionary<string, string> recorded, IReadOnlyDictionary<string, string> current)
    {
        bool Compared(string key) => !SavedSettings.ResumableKeys.Contains(key, StringComparer.OrdinalIgnoreCase);
        recorded = new Dictionary<string, string>(recorded, StringComparer.OrdinalIgnoreCase);
        current = new Dictionary<string, string>(current, StringComparer.OrdinalIgnoreCase);
        var keys = recorded.Keys.Concat(current.Keys).Where(Compared).Distinct(StringComparer.OrdinalIgnoreCase);
        return keys.Where(k => (recorded.TryGetValue(k, out var a) ? a : null) != (current.TryGetValue(k, out var b) ? b : null))
            .Order(StringComparer.OrdinalIgnoreCase).ToList();
    }
}
