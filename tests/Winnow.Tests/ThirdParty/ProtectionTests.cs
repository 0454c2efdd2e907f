using Winnow.Tests.Integration;

namespace Winnow.Tests.ThirdParty;

/// <summary>Plugins that break the contracts, run through the real host: each is refused or stopped with a message naming it and
/// what it did, and what the run finished before stays usable. The fixtures are in tests/Fixtures/Winnow.Fixtures.Faulty.</summary>
[TestClass]
public sealed class ProtectionTests
{
    private const string Faulty = "Winnow.Fixtures.Faulty";
    private const string Fixed = "Winnow.Fixtures.Fixed";

    /// <summary>The one-based epoch whose Plan the faulty build of 'flaky' fails (FlakyPolicyPlugin.FailingEpoch + 1 in the fixture).</summary>
    private const int FlakyFailsAt = 3;

    private static void Config(TempFolder work, string policy, string options = "{}", int epochs = 4) =>
        HostProcess.WriteConfig(work.Path, policy: policy, policyOptions: options, pluginsDirectory: "plugins", epochs: epochs);

    [TestMethod]
    public void APluginBuiltAgainstAnotherContractVersionIsRefusedNamingItsVersionAndTheHosts()
    {
        using var work = new TempFolder();
        ThirdPartyFolders.Plugins(work, "plugins", Faulty);
        Config(work, "future-contract");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        var dll = work.Combine("plugins", Faulty, Faulty + ".dll");
        StringAssert.Contains(result.Error,
            $"error: policy plugin 'future-contract' ({Faulty} {DropInTests.RepositoryVersion()}, {dll}) was built against Winnow contract version " +
            $"{PluginContract.Version + 1}, but this host (Winnow {DropInTests.RepositoryVersion()}) implements contract version {PluginContract.Version}", result.ToString());
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), "nothing ran");

        // The refused plugin does not disturb the others in its folder, and the listing marks it.
        var other = HostProcess.Run(work.Path, "--Run:Policy:Name=full", "--Run:Epochs=1");
        Assert.AreEqual(0, other.ExitCode, other.ToString());
        var listing = HostProcess.Run(work.Path, "plugins");
        Assert.AreEqual(0, listing.ExitCode, listing.ToString());
        StringAssert.Contains(listing.Output,
            $"future-contract  Test fixture: built against the next contract version. [refused: built against contract version {PluginContract.Version + 1}, this host implements {PluginContract.Version}]",
            listing.ToString());
    }

    [TestMethod]
    [DataRow("throws-in-constructor", "failed in its constructor: InvalidOperationException: fixture: the constructor fails")]
    [DataRow("throws-in-options-type", "failed in OptionsType: InvalidOperationException: fixture: OptionsType fails")]
    [DataRow("throws-in-create", "failed in Create: InvalidOperationException: fixture: Create fails")]
    public void APluginThatThrowsBeforeTrainingIsNamedWithTheCall(string policy, string call)
    {
        using var work = new TempFolder();
        ThirdPartyFolders.Plugins(work, "plugins", Faulty);
        Config(work, policy);

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, $"error: policy plugin '{policy}' ({work.Combine("plugins", Faulty, Faulty + ".dll")}) {call}", result.ToString());
        Assert.DoesNotContain("   at ", result.Error, "a message, not a stack trace");
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), "nothing ran");
    }

    [TestMethod]
    public void APolicyThatThrowsMidRunLeavesACheckpointThatResumesWithTheFixedBuild()
    {
        using var work = new TempFolder();
        var faulty = ThirdPartyFolders.Plugins(work, "plugins", Faulty);
        var repaired = ThirdPartyFolders.Plugins(work, "plugins-fixed", Fixed);
        Config(work, "flaky", """{ "KeepFraction": 0.4 }""");

        var failed = HostProcess.Run(work.Path);

        Assert.AreEqual(1, failed.ExitCode, failed.ToString());
        StringAssert.Contains(failed.Error, $"error: policy plugin 'flaky' ({Path.Combine(faulty, Faulty, Faulty + ".dll")}) failed in Plan (epoch {FlakyFailsAt}): InvalidOperationException", failed.ToString());
        var folder = ThirdPartyFolders.RunFolder(work);
        var summary = ThirdPartyFolders.Summary(folder);
        Assert.AreEqual("failed", summary.GetProperty("status").GetString());
        StringAssert.Contains(summary.GetProperty("error").GetString(), $"policy plugin 'flaky' ({Path.Combine(faulty, Faulty, Faulty + ".dll")}) failed in Plan");
        Assert.HasCount(FlakyFailsAt - 1, ThirdPartyFolders.MetricsRows(folder), "every finished epoch is kept");
        Assert.AreEqual(FlakyFailsAt - 1, ThirdPartyFolders.CheckpointEpoch(folder));

        // The author fixes the bug and drops the new build into another folder: the run continues from its checkpoint.
        var resumed = HostProcess.Run(work.Path, "resume", folder, $"--Plugins:Directory={repaired}");

        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        StringAssert.Contains(resumed.Output, $"resuming {folder} after epoch {FlakyFailsAt - 1} of 4", resumed.ToString());
        // Exactly where a run with the fixed build from the start ends: model, optimiser, score board and generators were intact.
        var whole = HostProcess.Run(work.Path, "--Run:OutputDirectory=whole", $"--Plugins:Directory={repaired}");
        Assert.AreEqual(0, whole.ExitCode, whole.ToString());
        ResumeTests.AssertSameRun(ThirdPartyFolders.RunFolder(work, "whole"), folder, "resumed with the fixed build");
        Assert.IsTrue(Directory.Exists(faulty), "the faulty folder was left as it was");
    }

    [TestMethod]
    public void AModelWhoseForwardThrowsIsNamedWithThePassAndEpochAndEpochOneStays()
    {
        using var work = new TempFolder();
        ThirdPartyFolders.Plugins(work, "plugins", Faulty);
        HostProcess.WriteConfig(work.Path, policy: "full", policyOptions: "{}", model: "throws-in-forward", pluginsDirectory: "plugins", epochs: 3);

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error,
            $"error: model plugin 'throws-in-forward' ({work.Combine("plugins", Faulty, Faulty + ".dll")}) failed in forward during training (epoch 2, " +
            "a batch of shape [32, ", result.ToString());
        StringAssert.Contains(result.Error, "InvalidOperationException: fixture: forward fails", result.ToString());
        Assert.DoesNotContain("   at ", result.Error, "a message, not a stack trace");
        var run = ThirdPartyFolders.RunFolder(work);
        Assert.AreEqual(1, ThirdPartyFolders.CheckpointEpoch(run), "epoch 1's checkpoint is kept");
        Assert.HasCount(1, ThirdPartyFolders.MetricsRows(run));
    }

    [TestMethod]
    public void APolicyWhoseSaveThrowsIsNamedAndThePreviousCheckpointStays()
    {
        using var work = new TempFolder();
        ThirdPartyFolders.Plugins(work, "plugins", Faulty);
        Config(work, "throws-in-save");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "error: policy plugin 'throws-in-save'", result.ToString());
        StringAssert.Contains(result.Error, "failed in Save: InvalidOperationException: fixture: Save fails at the second checkpoint", result.ToString());
        var folder = ThirdPartyFolders.RunFolder(work);
        Assert.AreEqual(1, ThirdPartyFolders.CheckpointEpoch(folder), "the checkpoint of epoch 1 is still the committed one");
        Assert.IsTrue(File.Exists(Path.Combine(folder, "checkpoints", "epoch-0001", "policy.bin")), "and it is complete");
        Assert.AreEqual("failed", ThirdPartyFolders.Summary(folder).GetProperty("status").GetString());
    }

    [TestMethod]
    [DataRow("OutOfRange", "Indices[5] = 400 is outside [0, 400)")]
    [DataRow("Negative", "Indices[5] = -1 is outside [0, 400)")]
    [DataRow("Duplicate", "Indices[7] = 2 is selected twice")]
    [DataRow("NaNWeight", "Weights[3] = NaN (sample 3) must be finite and >= 0")]
    [DataRow("NegativeWeight", "Weights[4] = -2 (sample 4) must be finite and >= 0")]
    [DataRow("InfiniteWeight", "(sample 6) must be finite and >= 0")]
    [DataRow("Empty", "no samples selected")]
    public void ABadPlanIsStoppedNamingThePolicyAndTheFirstBadValue(string fault, string firstBadValue)
    {
        using var work = new TempFolder();
        ThirdPartyFolders.Plugins(work, "plugins", Faulty);
        Config(work, "bad-plan", $$"""{ "Fault": "{{fault}}", "AtEpoch": 2 }""");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        var message = $"policy 'bad-plan' returned a bad plan for epoch 2: {(fault == "InfiniteWeight" ? "Weights[6] = " : firstBadValue)}";
        StringAssert.Contains(result.Error, "error: " + message, result.ToString());
        StringAssert.Contains(result.Error, firstBadValue, result.ToString());
        var folder = ThirdPartyFolders.RunFolder(work);
        StringAssert.Contains(ThirdPartyFolders.Summary(folder).GetProperty("error").GetString(), message);
        Assert.HasCount(1, ThirdPartyFolders.MetricsRows(folder), "the epoch before the bad plan is kept");
        Assert.AreEqual(1, ThirdPartyFolders.CheckpointEpoch(folder));
    }

    [TestMethod]
    public void AScorerWhoseRestoreReadsNothingIsRefusedOnResume()
    {
        using var work = new TempFolder();
        var faulty = ThirdPartyFolders.Plugins(work, "plugins", Faulty);
        ThirdPartyFolders.Plugins(work, "plugins-fixed", Fixed);
        HostProcess.WriteConfig(work.Path, scorer: "forgetful", pluginsDirectory: "plugins", epochs: 3);
        var stopped = HostProcess.Run(work.Path, "--Run:StopAfterEpoch=1");
        Assert.AreEqual(0, stopped.ExitCode, stopped.ToString());
        var folder = ThirdPartyFolders.RunFolder(work);

        var resumed = HostProcess.Run(work.Path, "resume", folder);

        Assert.AreEqual(1, resumed.ExitCode, resumed.ToString());
        StringAssert.Contains(resumed.Error,
            $"error: scorer plugin 'forgetful' ({Path.Combine(faulty, Faulty, Faulty + ".dll")}): Restore read 0 of the 8 bytes its Save wrote", resumed.ToString());
        Assert.HasCount(1, ThirdPartyFolders.MetricsRows(folder), "nothing was trained from the wrong state");

        var repaired = HostProcess.Run(work.Path, "resume", folder, "--Plugins:Directory=plugins-fixed");
        Assert.AreEqual(0, repaired.ExitCode, "a Restore that reads back what Save wrote resumes: " + repaired);
    }
}
