using System.Text.Json;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Reliability;

/// <summary>SIGTERM (docker stop, systemd, Slurm at preemption or its time limit), SIGHUP (a closed terminal) and SIGINT (Ctrl+C) stop
/// the real host the same way wherever they land, in training, while a checkpoint is written, in a resume and in a sweep: one
/// "stopped by …" line that says how to continue, exit code 130, records that say "stopped", and a resume to the same end.</summary>
[TestClass]
public sealed class StopSignalTests
{
    // Enough epochs that a signal sent on an early epoch's line lands before the run ends, however fast this machine is: each epoch
    // of this small run takes milliseconds, less than the output takes to reach the test.
    private const int Epochs = 40;
    private const int SigHup = 1, SigInt = 2, SigTerm = 15;

    private static string Name(int signal) => signal switch { SigHup => "SIGHUP", SigInt => "SIGINT", _ => "SIGTERM" };

    private static void Config(TempFolder work) => FaultHost.WriteConfig(work.Path, epochs: Epochs, trainSize: 800, testSize: 2000);

    /// <summary>Starts the host with <paramref name="args"/> and sends <paramref name="signal"/> on the first output line that
    /// <paramref name="cue"/> accepts (or at once when the cue is polled by <paramref name="poll"/>).</summary>
    private static HostResult RunAndSignal(TempFolder work, int signal, Func<string, bool> cue, Func<bool>? poll, params string[] args)
    {
        using var host = FaultHost.StartWithDefaultSignals(work.Path, args);
        var sent = false;
        var gate = new object();
        void Send()
        {
            lock (gate)
            {
                if (sent) return;
                sent = host.Signal(signal);
            }
        }
        host.OnLine = line =>
        {
            if (cue(line)) Send();
        };
        if (poll is not null)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!host.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60) && !poll()) Thread.Sleep(1);
            Send();
        }
        var result = host.Wait(TimeSpan.FromMinutes(2));
        Assert.IsTrue(sent, $"the signal was never sent (the cue did not come): {result}");
        return result;
    }

    private static Func<string, bool> AtEpoch(int epoch) => line => line.StartsWith($"epoch {epoch}/", StringComparison.Ordinal);

    /// <summary>The first epoch a resume trains, whichever it is.</summary>
    private static bool AtAnyEpoch(string line) => line.StartsWith("epoch ", StringComparison.Ordinal) && line.Contains(": training on", StringComparison.Ordinal);

    private static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    /// <summary>One line on standard error, starting "stopped by SIGxxx:", no stack trace, exit code 130.</summary>
    private static void AssertStoppedBy(int signal, HostResult result, string continueWith)
    {
        Assert.AreEqual(130, result.ExitCode, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, result.ToString());
        StringAssert.StartsWith(lines[0], $"stopped by {Name(signal)}: ", result.ToString());
        StringAssert.Contains(lines[0], continueWith, result.ToString());
        Assert.DoesNotContain("   at ", result.Output + result.Error, result.ToString());
    }

    [TestMethod]
    [DataRow(SigTerm)]
    [DataRow(SigHup)]
    [DataRow(SigInt)]
    public void ASignalStopsTrainingAndItsResumeAndBothResumeToTheSameEnd(int signal)
    {
        using var work = new TempFolder();
        Config(work);
        var reference = ResumeTests.RunFolderOf(work, "whole", FaultHost.Run(work.Path, "--Run:OutputDirectory=whole"));

        var first = RunAndSignal(work, signal, AtEpoch(2), poll: null, "--Run:OutputDirectory=stopped");
        var folder = FaultHost.OnlyRunFolder(work.Combine("stopped"));
        AssertStoppedBy(signal, first, $"continue with winnow resume {folder}");
        Assert.AreEqual("stopped", Json(Path.Combine(folder, "summary.json")).GetProperty("status").GetString());
        FaultHost.AssertReadable(folder, $"after {Name(signal)} in training");

        // Stopped again while resuming: the resume keeps what it trained and says so the same way.
        var again = RunAndSignal(work, signal, AtAnyEpoch, poll: null, "resume", folder);
        AssertStoppedBy(signal, again, $"continue with winnow resume {folder}");
        Assert.AreEqual("stopped", Json(Path.Combine(folder, "summary.json")).GetProperty("status").GetString());

        var resumed = FaultHost.Run(work.Path, "resume", folder);
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        ResumeTests.AssertSameRun(reference, folder, $"stopped by {Name(signal)} twice, then resumed");
    }

    [TestMethod]
    public void SigtermWhileACheckpointIsWrittenLetsItFinishAndResumesToTheSameEnd()
    {
        using var work = new TempFolder();
        Config(work);
        var reference = ResumeTests.RunFolderOf(work, "whole", FaultHost.Run(work.Path, "--Run:OutputDirectory=whole"));

        var root = work.Combine("stopped");
        bool Writing() => Directory.Exists(root) && Directory.GetDirectories(root).Any(f =>
            Directory.Exists(Path.Combine(f, "checkpoints", "epoch-0002.partial")));
        var first = RunAndSignal(work, SigTerm, _ => false, Writing, "--Run:OutputDirectory=stopped");
        var folder = FaultHost.OnlyRunFolder(root);
        AssertStoppedBy(SigTerm, first, "winnow resume");
        FaultHost.AssertReadable(folder, "after SIGTERM while a checkpoint was written");
        Assert.AreEqual("stopped", Json(Path.Combine(folder, "summary.json")).GetProperty("status").GetString());

        var resumed = FaultHost.Run(work.Path, "resume", folder);
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        ResumeTests.AssertSameRun(reference, folder, "SIGTERM while a checkpoint was written, then resumed");
    }

    [TestMethod]
    public void SigtermStopsASweepWhoseRecordThenSaysStoppedAndWhichContinuesToTheEnd()
    {
        using var work = new TempFolder();
        Config(work);
        File.WriteAllText(work.Combine("sweep.json"), """{ "Base": "appsettings.json", "Vary": { "Run:Seed": [1, 2] } }""");

        var first = RunAndSignal(work, SigTerm, AtEpoch(2), poll: null, "sweep", "sweep.json");
        AssertStoppedBy(SigTerm, first, "continue with winnow sweep sweep.json");
        var record = work.Combine("runs", "sweeps", "sweep", "sweep.json");
        var statuses = Json(record).GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("status").GetString()).ToList();
        CollectionAssert.AreEqual(new[] { "stopped", "pending" }, statuses, File.ReadAllText(record));

        var rest = FaultHost.Run(work.Path, "sweep", "sweep.json");
        Assert.AreEqual(0, rest.ExitCode, rest.ToString());
        statuses = Json(record).GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("status").GetString()).ToList();
        CollectionAssert.AreEqual(new[] { "completed", "completed" }, statuses, File.ReadAllText(record));
    }
}
