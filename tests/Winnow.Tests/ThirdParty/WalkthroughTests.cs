using System.Text.RegularExpressions;
using Winnow.Tests.Integration;

namespace Winnow.Tests.ThirdParty;

/// <summary>The walk-throughs of docs/writing-a-scorer.md, docs/writing-a-model.md and docs/writing-a-dataset.md, run verbatim: a
/// scorer, a model and a dataset made from their templates outside the repository, built against the contracts package, dropped into a plugins folder and trained by the
/// already-built host, which is not rebuilt or touched.</summary>
[TestClass]
public sealed partial class WalkthroughTests
{
    /// <summary>Runs the steps in a fresh folder with a private dotnet home, and checks what every walk-through promises: the
    /// template's tests pass, the plugin folder holds only the plugin's own files, the host lists it, and its files did not change.
    /// Returns the project folder and the output.</summary>
    private static (string Project, HostResult Result) Walk(TempFolder work, string document, string kind, string project, string pluginName)
    {
        var app = TestPaths.AppDirectory;
        var before = ThirdPartyFolders.Hashes(app, except: "plugins");
        var result = ThirdPartyFolders.RunSteps(ThirdPartyFolders.MarkedBashBlock(document, $"<!-- walkthrough: {kind} -->"), work);
        Assert.AreEqual(0, result.ExitCode, $"the steps of {document} failed:\n{result}");
        Assert.MatchesRegex(TestSummary(), result.Output, result.ToString());

        var folder = work.Combine(project);
        var plugin = Path.Combine(folder, "plugins", project);
        var files = Directory.GetFiles(plugin, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(plugin, f)).ToList();
        Assert.Contains($"{project}.dll", files);
        Assert.IsEmpty(files.Where(f => !f.StartsWith(project + ".", StringComparison.Ordinal)), $"foreign files in the plugin folder: {string.Join(", ", files)}");
        StringAssert.Contains(result.Output, pluginName, result.ToString());
        Assert.DoesNotContain("warning:", result.Error, result.ToString());

        var after = ThirdPartyFolders.Hashes(app, except: "plugins");
        CollectionAssert.AreEquivalent(before.Keys.ToList(), after.Keys.ToList(), "files of the host appeared or vanished");
        Assert.IsEmpty(before.Where(kv => after[kv.Key] != kv.Value).Select(kv => kv.Key).ToList(), "the host's files changed");
        return (folder, result);
    }

    private static List<System.Text.Json.JsonElement> Summaries(string project) =>
        [.. Directory.GetDirectories(Path.Combine(project, "runs")).Order(StringComparer.Ordinal).Select(ThirdPartyFolders.Summary)];

    [TestMethod]
    public void TheScorerWalkthroughBuildsAScorerThatUcbAndEpsilonGreedyRankBy()
    {
        using var work = new TempFolder();
        var (project, result) = Walk(work, "docs/writing-a-scorer.md", "scorer", "LossChange", "loss-change");
        Assert.MatchesRegex(new Regex(@"Mix=0\.5\s+double\s+\[0, 1\]\s+Weight of the loss's change"), result.Output, result.ToString());

        var runs = Summaries(project);
        Assert.HasCount(2, runs, result.ToString());
        Assert.IsTrue(runs.All(r => r.GetProperty("status").GetString() == "completed"), result.ToString());
        Assert.IsTrue(runs.All(r => r.GetProperty("scorer").GetString() == "loss-change"), "both policies ranked by the new scorer");
        CollectionAssert.AreEquivalent(new[] { "ucb", "epsilon-greedy" }, runs.Select(r => r.GetProperty("policy").GetString()).ToArray());
    }

    [TestMethod]
    public void TheModelWalkthroughBuildsAModelThatTrainsWithItsFeatures()
    {
        using var work = new TempFolder();
        var (project, result) = Walk(work, "docs/writing-a-model.md", "model", "TinyNet", "tiny-net");
        Assert.MatchesRegex(new Regex(@"FeatureUnits=32\s+int"), result.Output, result.ToString());

        var runs = Summaries(project);
        Assert.HasCount(2, runs, result.ToString());
        Assert.IsTrue(runs.All(r => r.GetProperty("status").GetString() == "completed"), result.ToString());
        Assert.IsTrue(runs.All(r => r.GetProperty("model").GetString() == "tiny-net"), result.ToString());
        Assert.IsTrue(runs.Any(r => r.GetProperty("scorer").GetString() == "grand"), "GraNd read the model's features");
    }

    [TestMethod]
    public void TheDatasetWalkthroughBuildsADatasetThatTrainsAndRefusesABadRowByLine()
    {
        using var work = new TempFolder();
        var (project, result) = Walk(work, "docs/writing-a-dataset.md", "dataset", "ShapeTable", "shape-table");
        Assert.MatchesRegex(new Regex(@"TestFraction=0\.2\s+double\s+\(0, 1\)\s+Fraction of the rows held out"), result.Output, result.ToString());

        var run = Summaries(project).Single();
        Assert.AreEqual("completed", run.GetProperty("status").GetString(), result.ToString());
        Assert.AreEqual("shape-table", run.GetProperty("dataset").GetString());
        Assert.IsGreaterThan(0.6, run.GetProperty("finalTestAccuracy").GetDouble(), "three classes of 80 rows each are learnable");
        StringAssert.Contains(result.Error, "error: dataset 'shape-table' cannot be read: ", result.ToString());
        StringAssert.Contains(result.Error, "data.csv:302: 4 values, but the header has 5 columns", result.ToString());
        StringAssert.Contains(result.Output, "refused, as it should be", result.ToString());
    }

    [GeneratedRegex(@"Failed:\s+0, Passed:\s+[1-9]")]
    private static partial Regex TestSummary();
}
