using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Winnow.Tests.Integration;

namespace Winnow.Tests.ThirdParty;

/// <summary>The promise of the design: a policy written outside the repository from the template, built against the contracts
/// package, dropped into a plugins folder and trained by the already-built host, which is not rebuilt or touched.</summary>
[TestClass]
public sealed partial class DropInTests
{
    /// <summary>Marks the block of docs/plugins.md that this test runs verbatim.</summary>
    internal const string StepsMarker = "<!-- drop-in steps:";

    [TestMethod]
    public void TheReadmeStepsBuildAPolicyOutsideTheRepositoryThatTheUntouchedHostTrains()
    {
        using var work = new TempFolder();
        var document = "docs/plugins.md";
        var app = TestPaths.AppDirectory;
        var before = ThirdPartyFolders.Hashes(app, except: "plugins");
        var hive = ThirdPartyFolders.DotnetHome(work);

        var result = ThirdPartyFolders.RunSteps(ThirdPartyFolders.MarkedBashBlock(document, StepsMarker), work);

        Assert.AreEqual(0, result.ExitCode, $"the steps of {document} failed:\n{result}");
        var project = work.Combine("LossSampler");
        Assert.IsTrue(Directory.Exists(Path.Combine(hive, ".templateengine")), "the template went into the private dotnet home");

        // The contracts package: versioned as the repository, with its XML documentation.
        var version = RepositoryVersion();
        using (var package = ZipFile.OpenRead(Path.Combine(ThirdPartyFolders.RepoRoot, "artifacts", "packages", $"Winnow.Abstractions.{version}.nupkg")))
        {
            var entries = package.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("lib/net10.0/Winnow.Abstractions.dll", entries, string.Join(", ", entries));
            Assert.Contains("lib/net10.0/Winnow.Abstractions.xml", entries, string.Join(", ", entries));
            using var nuspec = package.GetEntry("Winnow.Abstractions.nuspec")!.Open();
            var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            Assert.AreEqual("Winnow.Abstractions", metadata.Elements().Single(e => e.Name.LocalName == "id").Value);
            Assert.AreEqual(version, metadata.Elements().Single(e => e.Name.LocalName == "version").Value);
        }

        // The template's own tests ran and passed.
        Assert.MatchesRegex(TestSummary(), result.Output, result.ToString());

        // The plugin's folder holds only its own files: no contracts, TorchSharp, System.Composition or native libraries.
        var plugin = Path.Combine(project, "plugins", "LossSampler");
        var files = Directory.GetFiles(plugin, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(plugin, f)).Order().ToList();
        Assert.Contains("LossSampler.dll", files);
        Assert.Contains("LossSampler.xml", files);
        Assert.IsEmpty(files.Where(f => !f.StartsWith("LossSampler.", StringComparison.Ordinal)), $"foreign files in the plugin folder: {string.Join(", ", files)}");

        // The listing shows the new policy's options with type, default, range and the description from its XML documentation.
        StringAssert.Contains(result.Output, "loss-sampler", result.ToString());
        Assert.MatchesRegex(new Regex(@"Floor=0\.1\s+double\s+>= 0\s+Added to every sample's mean loss before sampling"), result.Output, result.ToString());
        Assert.MatchesRegex(new Regex(@"KeepFraction=0\.5\s+double\s+\(0, 1\]\s+Fraction of the training set each epoch trains on"), result.Output, result.ToString());

        // It trained with the new policy, with the option given on the command line.
        var run = Directory.GetDirectories(Path.Combine(project, "runs")).Single();
        var summary = ThirdPartyFolders.Summary(run);
        Assert.AreEqual("completed", summary.GetProperty("status").GetString(), result.ToString());
        Assert.AreEqual("loss-sampler", summary.GetProperty("policy").GetString());
        Assert.AreEqual("loss", summary.GetProperty("scorer").GetString(), "the policy asks for the loss");
        Assert.AreEqual(0.3, summary.GetProperty("nominalKeepFraction").GetDouble(), 1e-12);
        Assert.AreEqual(0.3, summary.GetProperty("effectiveKeepFraction").GetDouble(), 1e-12);
        var rows = ThirdPartyFolders.MetricsRows(run);
        Assert.HasCount(3, rows);
        Assert.IsTrue(rows.All(r => r.Split(',')[2] == "300"), $"300 of 1000 samples each epoch:\n{string.Join('\n', rows)}");
        Assert.HasCount(4, File.ReadAllLines(Path.Combine(run, "selection.csv")), "a selection row per epoch");
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))))
            Assert.AreEqual(Path.Combine(plugin, "LossSampler.dll"), config.RootElement.GetProperty("run").GetProperty("policy").GetProperty("assembly").GetString());

        // Nothing of the host changed: not rebuilt, not written to.
        var after = ThirdPartyFolders.Hashes(app, except: "plugins");
        CollectionAssert.AreEquivalent(before.Keys.ToList(), after.Keys.ToList(), "files of the host appeared or vanished");
        var changed = before.Where(kv => after[kv.Key] != kv.Value).Select(kv => kv.Key).ToList();
        Assert.IsEmpty(changed, $"the host's files changed: {string.Join(", ", changed)}");
    }

    [TestMethod]
    [DataRow("winnow-policy", "MyPolicy")]
    [DataRow("winnow-scorer", "MyScorer")]
    [DataRow("winnow-model", "MyModel")]
    [DataRow("winnow-dataset", "MyDataset")]
    public void TheTemplateCompilesAgainstTheContractsOfThisRepositoryAndShipsNoneOfThem(string name, string source)
    {
        var template = Path.Combine(ThirdPartyFolders.RepoRoot, "templates", name);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(template, ".template.config", "template.json")));
        var symbols = json.RootElement.GetProperty("symbols");
        Assert.AreEqual(RepositoryVersion(), symbols.GetProperty("contractsVersion").GetProperty("defaultValue").GetString(),
            "the template's default Winnow.Abstractions version must be the repository's Version (Directory.Build.props)");

        var plugin = XDocument.Load(Path.Combine(template, source, source + ".csproj"));
        var references = plugin.Descendants("PackageReference").ToList();
        Assert.HasCount(1, references, "the plugin references the contracts package and nothing else");
        Assert.AreEqual("Winnow.Abstractions", (string?)references[0].Attribute("Include"));
        Assert.AreEqual("runtime;native", (string?)references[0].Attribute("ExcludeAssets"));
        Assert.AreEqual("true", plugin.Descendants("EnableDynamicLoading").Single().Value);
        Assert.AreEqual("true", plugin.Descendants("GenerateDocumentationFile").Single().Value);
        Assert.IsEmpty(plugin.Descendants("ProjectReference"), "a plugin from the template does not reference the repository's projects");
    }

    internal static string RepositoryVersion() =>
        XDocument.Load(Path.Combine(ThirdPartyFolders.RepoRoot, "Directory.Build.props")).Descendants("Version").Single().Value;

    [GeneratedRegex(@"Failed:\s+0, Passed:\s+[1-9]")]
    private static partial Regex TestSummary();
}
