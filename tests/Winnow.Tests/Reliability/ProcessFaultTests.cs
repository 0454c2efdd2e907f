using System.Diagnostics;
using System.Text.Json;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Reliability;

/// <summary>The process dies (SIGKILL at random moments: training, evaluation, checkpoint writing, resuming), the disk fills, the
/// output folder is read-only, several runs start at once: a run folder is never left unreadable, a resumed run ends exactly as an
/// uninterrupted one, and every failure is one clear message.</summary>
[TestClass]
public sealed class ProcessFaultTests
{
    private const int Epochs = 4;

    private static void Config(TempFolder work, int epochs = Epochs) =>
        // Noisy classes, dropout and random-dynamic selection: the metrics depend on every generator a resume must restore.
        FaultHost.WriteConfig(work.Path, epochs: epochs, trainSize: 800, testSize: 2000, extra: "");

    /// <summary>Where in a run a kill is aimed. Cues come from the host's own output and its run folder, so the kills land in each
    /// phase whatever the machine's speed; a random delay after the cue spreads them within it.</summary>
    private enum Cue
    {
        /// <summary>After "epoch k/E: training on …": inside epoch k's training steps.</summary>
        Training,
        /// <summary>After epoch k's last step is reported: its evaluation, then its records.</summary>
        Evaluation,
        /// <summary>As soon as epoch k's checkpoint staging folder appears: while the checkpoint is being written.</summary>
        Checkpoint,
        /// <summary>At a random time after the start, wherever that falls (including before the first checkpoint).</summary>
        Anywhere,
    }

    private sealed record Kill(Cue Cue, int Epoch, int DelayMs)
    {
        public override string ToString() => $"{Cue} of epoch {Epoch} + {DelayMs} ms";
    }

    private static Kill Pick(Random random, Cue cue, int from, int runMilliseconds) =>
        new(cue, random.Next(from, Epochs + 1), cue switch
        {
            Cue.Training => random.Next(0, 40),
            Cue.Evaluation => random.Next(0, 4),
            Cue.Checkpoint => 0,
            _ => random.Next(runMilliseconds / 3, runMilliseconds),
        });

    /// <summary>Runs the host with <paramref name="args"/> and kills it at <paramref name="kill"/>. Returns whether it was killed
    /// (false: it ended first), whether a half-written checkpoint was on disk right after the kill, and its output.</summary>
    private static (bool Killed, bool PartialCheckpoint, HostResult Result) RunAndKill(string workDirectory, string root, Kill kill, params string[] args)
    {
        using var host = FaultHost.Start(workDirectory, args);
        var clock = Stopwatch.StartNew();
        var fired = new ManualResetEventSlim();
        var killed = false;
        void Fire()
        {
            lock (fired)
            {
                if (fired.IsSet) return;
                if (kill.DelayMs > 0 && kill.Cue != Cue.Anywhere) Thread.Sleep(kill.DelayMs);
                killed = host.Kill();
                fired.Set();
            }
        }
        host.OnLine = line =>
        {
            if (kill.Cue == Cue.Training && line.StartsWith($"epoch {kill.Epoch}/", StringComparison.Ordinal)) Fire();
            else if (kill.Cue == Cue.Evaluation && line.StartsWith($"  epoch {kill.Epoch}: step", StringComparison.Ordinal) && line.Contains("(100%)", StringComparison.Ordinal)) Fire();
        };
        var partial = false;
        if (kill.Cue == Cue.Checkpoint)
        {
            // Polled every millisecond: writing a checkpoint, each file flushed to disk, takes several.
            var name = $"epoch-{kill.Epoch:D4}.partial";
            string? folder = null;
            while (!host.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                folder ??= Directory.Exists(root) ? Directory.GetDirectories(root).FirstOrDefault() : null;
                if (folder is not null && Directory.Exists(Path.Combine(folder, "checkpoints", name)))
                {
                    Fire();
                    partial = Directory.Exists(Path.Combine(folder, "checkpoints", name));
                    break;
                }
                Thread.Sleep(1);
            }
        }
        else if (kill.Cue == Cue.Anywhere)
        {
            if (!fired.Wait(kill.DelayMs)) Fire();
        }
        var result = host.Wait(TimeSpan.FromMinutes(1));
        if (kill.Cue != Cue.Checkpoint && killed && Directory.Exists(root))
            partial = Directory.GetDirectories(root).Any(f => Directory.Exists(Path.Combine(f, "checkpoints")) &&
                                                            Directory.GetDirectories(Path.Combine(f, "checkpoints"), "*.partial").Length > 0);
        return (killed, partial, result);
    }

    /// <summary>What one trial saw.</summary>
    private sealed record Trial(bool Killed, int PartialCheckpoints, bool ResumeKilled, bool BeforeFirstCheckpoint, string Log);

    [TestMethod]
    public void KilledAtRandomMomentsAndResumedARunEndsExactlyAsAnUninterruptedOne()
    {
        using var work = new TempFolder();
        Config(work);
        var timing = Stopwatch.StartNew();
        var whole = FaultHost.Run(work.Path, "--Run:OutputDirectory=whole");
        Assert.AreEqual(0, whole.ExitCode, whole.ToString());
        // "Anywhere" kills fall within the time a whole run takes here (two run at once, so each takes longer than this one did).
        var runMilliseconds = (int)timing.ElapsedMilliseconds;
        var reference = FaultHost.OnlyRunFolder(work.Combine("whole"));

        const int trials = 24;
        var clock = Stopwatch.StartNew();
        var outcomes = new Trial[trials];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var next = -1;
        // Two at a time (each host computes on one thread; the machine has two cores), on threads of their own: blocking the thread
        // pool would delay the output events the kills are cued on.
        var workers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            for (var trial = Interlocked.Increment(ref next); trial < trials && failures.IsEmpty; trial = Interlocked.Increment(ref next))
            {
                try
                {
                    outcomes[trial] = RunTrial(work, reference, trial, runMilliseconds);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        if (failures.TryDequeue(out var failure)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();

        var summary = $"{outcomes.Count(o => o.Killed)} of {trials} runs killed mid-run ({outcomes.Sum(o => o.PartialCheckpoints)} kills with a half-written " +
                      $"checkpoint on disk, {outcomes.Count(o => o.ResumeKilled)} resumes killed too, {outcomes.Count(o => o.BeforeFirstCheckpoint)} before " +
                      $"the first checkpoint) in {clock.Elapsed.TotalSeconds:F0} s:\n" + string.Join("\n", outcomes.Select(o => o.Log));
        Console.WriteLine(summary);
        Assert.IsGreaterThanOrEqualTo(20, outcomes.Count(o => o.Killed), summary);
        Assert.IsGreaterThanOrEqualTo(2, outcomes.Sum(o => o.PartialCheckpoints), "some kills must land while a checkpoint is being written\n" + summary);
        Assert.IsGreaterThanOrEqualTo(2, outcomes.Count(o => o.ResumeKilled), summary);
    }

    private static readonly Cue[] Cues = [Cue.Training, Cue.Evaluation, Cue.Checkpoint, Cue.Anywhere];

    /// <summary>Kills a run at a cue chosen by the trial's own generator, checks the folder, resumes (every third trial is killed
    /// again while resuming), and compares the end with the uninterrupted run's.</summary>
    private static Trial RunTrial(TempFolder work, string reference, int trial, int runMilliseconds)
    {
        var random = new Random(7919 * trial + 1);
        var output = $"trial-{trial}";
        var root = work.Combine(output);
        // From epoch 2 on, so that most kills leave a checkpoint to resume from; "anywhere" may still fall before it.
        var kill = Pick(random, Cues[trial % Cues.Length], from: 2, runMilliseconds);
        var (killed, partial, first) = RunAndKill(work.Path, root, kill, $"--Run:OutputDirectory={output}");
        if (killed && !Directory.Exists(root))
            // Killed while starting, before any folder existed: nothing was written, so nothing can be half-written.
            return new Trial(true, 0, false, true, $"{trial}: {kill}: killed before the run folder was created");
        var folder = FaultHost.OnlyRunFolder(root);
        FaultHost.AssertReadable(folder, $"trial {trial} after a kill at {kill}");
        if (!killed)
        {
            Assert.AreEqual(0, first.ExitCode, $"trial {trial}: {first}");
            ResumeTests.AssertSameRun(reference, folder, $"trial {trial} (not interrupted)");
            return new Trial(false, 0, false, false, $"{trial}: {kill}: ended before the kill");
        }
        if (!File.Exists(Path.Combine(folder, "checkpoint.json")))
        {
            // Killed before the first epoch was saved: resume says there is nothing to resume, and nothing else.
            var nothing = FaultHost.Run(work.Path, "resume", folder);
            Assert.IsTrue(nothing.ExitCode == 1 && nothing.Error.Contains("has no checkpoint to resume from", StringComparison.Ordinal)
                          || nothing.ExitCode == 2 && nothing.Error.Contains("holds no run: the run that created it was stopped before", StringComparison.Ordinal),
                nothing.ToString());
            return new Trial(true, partial ? 1 : 0, false, true, $"{trial}: {kill}: killed before the first checkpoint; resume explains");
        }

        var partials = partial ? 1 : 0;
        var resumeKilled = false;
        var note = "";
        var saved = SavedEpoch(folder);
        if (trial % 3 == 2 && saved < Epochs)
        {
            var again = Pick(random, Cues[random.Next(3)], from: saved + 1, runMilliseconds);
            var (killedAgain, partialAgain, _) = RunAndKill(work.Path, root, again, "resume", folder);
            FaultHost.AssertReadable(folder, $"trial {trial} after a kill while resuming at {again}");
            resumeKilled = killedAgain;
            partials += partialAgain ? 1 : 0;
            note = $", its resume killed at {again}{(partialAgain ? " with a half-written checkpoint" : "")}";
        }
        var resumed = FaultHost.Run(work.Path, "resume", folder);
        Assert.AreEqual(0, resumed.ExitCode, $"trial {trial}, killed at {kill}: {resumed}");
        FaultHost.AssertReadable(folder, $"trial {trial} after resuming");
        ResumeTests.AssertSameRun(reference, folder, $"trial {trial}, killed at {kill}{note}");
        return new Trial(true, partials, resumeKilled, false,
            $"{trial}: {kill}: killed after epoch {saved} was saved{(partial ? ", with a half-written checkpoint" : "")}{note}; resumed to the same end");
    }

    private static int SavedEpoch(string folder)
    {
        using var pointer = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "checkpoint.json")));
        return pointer.RootElement.GetProperty("epoch").GetInt32();
    }

    [TestMethod]
    public void AFullDiskStopsTheRunWithAClearMessageAndLosesNothing()
    {
        using var work = new TempFolder();
        Config(work);
        var whole = FaultHost.Run(work.Path, "--Run:OutputDirectory=whole");
        Assert.AreEqual(0, whole.ExitCode, whole.ToString());
        using var disk = new SmallFileSystem(work.Combine("disk"), "size=2m");
        var output = Path.Combine(disk.Path, "runs");

        var first = FaultHost.Run(work.Path, $"--Run:OutputDirectory={output}", "--Run:StopAfterEpoch=1");
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        var folder = FaultHost.OnlyRunFolder(output);
        var filler = disk.Fill();

        // The disk fills while the run is going: epoch 2's records cannot be written.
        var full = FaultHost.Run(work.Path, "resume", folder);
        Assert.AreEqual(1, full.ExitCode, full.ToString());
        StringAssert.Contains(full.Error, "error: cannot save epoch 2 in " + folder + ": the disk is full", full.ToString());
        StringAssert.Contains(full.Error, $"{folder} keeps epoch 1 and the checkpoint after epoch 1: continue with winnow resume {folder}", full.ToString());
        Assert.DoesNotContain("Unhandled exception", full.Error, full.ToString());
        FaultHost.AssertReadable(folder, "on a full disk");
        Assert.AreEqual(1, SavedEpoch(folder));
        Assert.IsEmpty(Directory.GetDirectories(Path.Combine(folder, "checkpoints"), "*.partial"), "the half-written checkpoint gave its space back");
        Assert.IsEmpty(Directory.GetFiles(folder, "*.tmp"), "no temporary file is left");

        // A new run on the full disk: refused, and no half-made folder left behind.
        var fresh = FaultHost.Run(work.Path, $"--Run:OutputDirectory={output}");
        Assert.AreEqual(1, fresh.ExitCode, fresh.ToString());
        StringAssert.Contains(fresh.Error, "the disk is full", fresh.ToString());
        Assert.HasCount(1, Directory.GetDirectories(output), "only the first run's folder");

        // Space again: the run continues from its checkpoint and ends exactly as an uninterrupted one.
        File.Delete(filler);
        var resumed = FaultHost.Run(work.Path, "resume", folder);
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        ResumeTests.AssertSameRun(FaultHost.OnlyRunFolder(work.Combine("whole")), folder, "after the disk was full");
    }

    [TestMethod]
    public void AReadOnlyOutputFolderIsRefusedClearly()
    {
        using var work = new TempFolder();
        Config(work);
        var readOnly = work.Combine("read-only");
        SmallFileSystem? mount = null;
        string reason;
        try
        {
            if (FaultHost.IsRoot)
            {
                // Root writes through any mode: a read-only file system binds everyone.
                mount = new SmallFileSystem(readOnly, "ro,size=64k");
                reason = "the file system is read-only";
            }
            else
            {
                Directory.CreateDirectory(readOnly);
                FaultHost.SetMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
                reason = "permission denied";
            }
            var output = Path.Combine(readOnly, "runs");

            var result = FaultHost.Run(work.Path, $"--Run:OutputDirectory={output}");

            Assert.AreEqual(1, result.ExitCode, result.ToString());
            StringAssert.Contains(result.Error, $"error: cannot create the output folder {output}: {reason}", result.ToString());
            StringAssert.Contains(result.Error, "set Run:OutputDirectory to a folder you can write to", result.ToString());
            Assert.DoesNotContain("epoch 1", result.Output, "refused before training");
        }
        finally
        {
            mount?.Dispose();
            FaultHost.SetMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [TestMethod]
    public void RunsStartedAtOnceIntoOneOutputFolderNeverShareAFolder()
    {
        using var work = new TempFolder();
        Config(work, epochs: 2);
        // Two seeds, three runs each, all six at once: a folder shared or written by two runs would show as mixed rows.
        var seeds = new[] { 1, 2, 1, 2, 1, 2 };
        var hosts = seeds.Select(seed => FaultHost.Start(work.Path, $"--Run:Seed={seed}", "--Run:OutputDirectory=shared")).ToList();
        var results = hosts.Select(h => h.Wait(TimeSpan.FromMinutes(2))).ToList();
        foreach (var h in hosts) h.Dispose();

        var folders = new List<string>();
        for (var i = 0; i < seeds.Length; i++)
        {
            Assert.AreEqual(0, results[i].ExitCode, results[i].ToString());
            var line = results[i].Output.Split('\n').Single(l => l.StartsWith("run folder: ", StringComparison.Ordinal));
            var folder = line["run folder: ".Length..].Trim();
            folders.Add(folder);
            using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "settings.json")));
            Assert.AreEqual(seeds[i].ToString(System.Globalization.CultureInfo.InvariantCulture),
                settings.RootElement.GetProperty("values").GetProperty("Run:Seed").GetString(), $"{folder} holds its own run's settings");
            FaultHost.AssertReadable(folder, folder);
        }
        Assert.HasCount(seeds.Length, folders.Distinct().ToList(), "every run has its own folder: " + string.Join(", ", folders));
        Assert.HasCount(seeds.Length, Directory.GetDirectories(work.Combine("shared")));
        for (var i = 2; i < seeds.Length; i++) ResumeTests.AssertSameRun(folders[i % 2], folders[i], $"run {i} against run {i % 2}, same seed");
    }

    [TestMethod]
    public void AFolderBeingTrainedCannotBeResumedByASecondProcess()
    {
        using var work = new TempFolder();
        Config(work, epochs: 40);
        using var host = FaultHost.Start(work.Path);
        var clock = Stopwatch.StartNew();
        string? folder = null;
        while (folder is null || !File.Exists(Path.Combine(folder, "checkpoint.json")))
        {
            Assert.IsFalse(host.HasExited, "the run ended before the test could try");
            Assert.IsLessThan(60, clock.Elapsed.TotalSeconds, "no checkpoint in time");
            Thread.Sleep(5);
            folder ??= Directory.Exists(work.Combine("runs")) ? Directory.GetDirectories(work.Combine("runs")).FirstOrDefault() : null;
        }

        var second = FaultHost.Run(work.Path, "resume", folder);

        Assert.IsFalse(host.HasExited, "the test needs the first run still training");
        Assert.AreEqual(1, second.ExitCode, second.ToString());
        StringAssert.Contains(second.Error, $"the run folder {folder} is in use by another winnow process", second.ToString());
        Assert.IsTrue(host.Kill(), "killed");
        host.Wait(TimeSpan.FromSeconds(30));

        // The lock dies with its process, however it dies: the folder resumes at once.
        var resumed = FaultHost.Run(work.Path, "resume", folder, "--Run:StopAfterEpoch=1");
        StringAssert.Contains(resumed.Output, $"resuming {folder} after epoch", resumed.ToString());
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
    }
}
