using Winnow.Tests.Integration;

namespace Winnow.Tests.ThirdParty;

/// <summary>A scorer plugin the repository does not ship drives the shipped ranking policies through the real host: the
/// fixture <c>confidence</c> (the true class's probability, exp(−loss), lower is harder), named in the policy's <c>Scorer</c> option.</summary>
/// <remarks>exp(−loss) orders the samples exactly as the loss does, reversed. So a policy that ranks by hardness in the scorer's
/// direction keeps exactly the samples it keeps with the loss, and the two runs' selection records are equal; a policy that
/// ignored the direction would keep the easiest samples instead.</remarks>
[TestClass]
public sealed class ScorerOptionRunTests
{
    private const string Fixture = "Winnow.Fixtures.Plugins";

    [TestMethod]
    // K = 200 of 400: epochs 0 and 1 take the never-seen samples, epoch 2 ranks all 400 by their one observation (C = 0: the mean).
    [DataRow("ucb", """ "KeepFraction": 0.5, "C": 0 """)]
    // Epsilon 0: all of K exploited, which ranks as ucb does above.
    [DataRow("epsilon-greedy", """ "KeepFraction": 0.5, "Epsilon": 0 """)]
    // One full-data epoch, a scoring pass over all 400, then the 120 hardest.
    [DataRow("static-score", """ "KeepFraction": 0.3, "ScoringEpochs": 1 """)]
    public void AScorerTheRepositoryDoesNotShipDrivesThePolicyInItsOwnDirection(string policy, string options)
    {
        using var work = new TempFolder();
        var plugins = ThirdPartyFolders.Plugins(work, "plugins", Fixture);
        HostProcess.WriteConfig(work.Path, policy: policy, policyOptions: $$"""{ {{options}}, "Scorer": "confidence" }""", pluginsDirectory: plugins, epochs: 3);

        var confidence = HostProcess.Run(work.Path, "--Run:OutputDirectory=confidence");
        var loss = HostProcess.Run(work.Path, "--Run:OutputDirectory=loss", "--Run:Policy:Options:Scorer=loss");

        Assert.AreEqual(0, confidence.ExitCode, confidence.ToString());
        Assert.AreEqual(0, loss.ExitCode, loss.ToString());
        StringAssert.Contains(confidence.Output, $"scorer: 'confidence' (the one policy '{policy}' ranks by)", confidence.ToString());
        var (withConfidence, withLoss) = (ThirdPartyFolders.RunFolder(work, "confidence"), ThirdPartyFolders.RunFolder(work, "loss"));
        var summary = ThirdPartyFolders.Summary(withConfidence);
        Assert.AreEqual("completed", summary.GetProperty("status").GetString());
        Assert.AreEqual("confidence", summary.GetProperty("scorer").GetString());
        Assert.AreEqual("loss", ThirdPartyFolders.Summary(withLoss).GetProperty("scorer").GetString());

        var counts = File.ReadAllText(Path.Combine(withConfidence, "selection-counts.csv"));
        Assert.AreEqual(File.ReadAllText(Path.Combine(withLoss, "selection-counts.csv")), counts,
            "the hardest by exp(-loss), lower is harder, are the hardest by the loss");
        // Not all 400 the same number of times: the ranking, not a full-data schedule, chose.
        Assert.IsGreaterThan(1, counts.Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[2]).Distinct().Count());
    }

    [TestMethod]
    public void AnUnknownScorerIsRefusedNamingThePolicysOptionAndTheLoadedScorers()
    {
        using var work = new TempFolder();
        var plugins = ThirdPartyFolders.Plugins(work, "plugins", Fixture);
        HostProcess.WriteConfig(work.Path, policy: "ucb", policyOptions: """{ "Scorer": "no-such-scorer" }""", pluginsDirectory: plugins);

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error,
            "Run:Policy:Options:Scorer: unknown scorer plugin 'no-such-scorer'; available scorer plugins: confidence, el2n, entropy, forgetting, grand, loss, margin",
            result.ToString());
    }

    [TestMethod]
    public void ARunScorerNameThatDiffersFromThePolicysScorerIsRefusedNamingBothKeys()
    {
        using var work = new TempFolder();
        var plugins = ThirdPartyFolders.Plugins(work, "plugins", Fixture);
        HostProcess.WriteConfig(work.Path, policy: "epsilon-greedy", policyOptions: "{}", scorer: "confidence", pluginsDirectory: plugins);

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error,
            "Run:Scorer:Name: policy 'epsilon-greedy' ranks samples by 'loss', but the scorer is set to 'confidence'; " +
            "the policy's Run:Policy:Options:Scorer option is the one that chooses its scorer: " +
            "set Run:Policy:Options:Scorer=confidence and leave Run:Scorer:Name empty", result.ToString());
    }

    [TestMethod]
    public void TheSameScorerNamedInBothPlacesIsAccepted()
    {
        using var work = new TempFolder();
        var plugins = ThirdPartyFolders.Plugins(work, "plugins", Fixture);
        HostProcess.WriteConfig(work.Path, policy: "infobatch", policyOptions: """{ "Scorer": "confidence" }""", scorer: "Confidence", pluginsDirectory: plugins, epochs: 1);

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("confidence", ThirdPartyFolders.Summary(ThirdPartyFolders.RunFolder(work)).GetProperty("scorer").GetString());
    }

    [TestMethod]
    public void ThePolicysScorerTakesItsOptionsFromRunScorerOptions()
    {
        using var work = new TempFolder();
        var plugins = ThirdPartyFolders.Plugins(work, "plugins", Fixture);
        HostProcess.WriteConfig(work.Path, policy: "dynams", policyOptions: """{ "Scorer": "confidence" }""", pluginsDirectory: plugins);

        var result = HostProcess.Run(work.Path, "--Run:Scorer:Options:Power=0");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "Run:Scorer:Options:Power: Power must be greater than 0.", result.ToString());
    }

    [TestMethod]
    public void APolicysScorerThatNeedsFeaturesIsRefusedForAModelWithoutNamingScorerModelAndKey()
    {
        using var work = new TempFolder();
        var plugins = ThirdPartyFolders.Plugins(work, "plugins", Fixture);
        HostProcess.WriteConfig(work.Path, model: "linear", policy: "ucb", policyOptions: """{ "Scorer": "grand" }""", pluginsDirectory: plugins);

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "Run:Policy:Options:Scorer: scorer 'grand' needs penultimate features, which model 'linear' does not give", result.ToString());
    }
}
