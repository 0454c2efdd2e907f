using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Winnow.Engine.Plugins;
using Winnow.Plugins.Policies;
using Winnow.Tests.Integration;

namespace Winnow.Tests.ThirdParty;

/// <summary>What a plugin author and a user can find out without reading code: every option's type, default, range and
/// description in the plugin listing, and how to set options in <c>--help</c>.</summary>
[TestClass]
public sealed class OptionListingTests
{
    /// <summary>Options with one of each kind of annotation. Documented: the summaries below are what the listing must show.</summary>
    public sealed class SampleOptions
    {
        /// <summary>A count, at least <c>1</c>; see <see cref="Ratio"/>.</summary>
        [Range(1, int.MaxValue)]
        public int Count { get; set; } = 3;

        /// <summary>A ratio
        ///   over two lines.</summary>
        [Range(0.0, 1.0, MaximumIsExclusive = true)]
        public double Ratio { get; set; } = 0.25;

        /// <summary>Strictly positive.</summary>
        [Range(double.Epsilon, double.MaxValue)]
        public double Scale { get; set; } = 1.5;

        /// <summary>A name.</summary>
        [Required]
        public string Name { get; set; } = "x";

        public DayOfWeek Day { get; set; } = DayOfWeek.Monday;

        public bool Flag { get; set; }

        public int? Limit { get; set; }
    }

    [TestMethod]
    public void EveryKeyShowsTypeDefaultRangeAndItsDocumentedSummary()
    {
        var options = OptionDescriptions.Of(typeof(SampleOptions)).ToDictionary(o => o.Name);

        Assert.AreEqual(new OptionDescription("Count", "int", "3", ">= 1", "A count, at least 1; see Ratio."), options["Count"]);
        Assert.AreEqual(new OptionDescription("Ratio", "double", "0.25", "[0, 1)", "A ratio over two lines."), options["Ratio"]);
        Assert.AreEqual(new OptionDescription("Scale", "double", "1.5", "> 0", "Strictly positive."), options["Scale"]);
        Assert.AreEqual(new OptionDescription("Name", "string", "x", "required", "A name."), options["Name"]);
        Assert.AreEqual(new OptionDescription("Day", "sunday|monday|tuesday|wednesday|thursday|friday|saturday", "monday", "", ""), options["Day"],
            "an undocumented key has no description");
        Assert.AreEqual(new OptionDescription("Flag", "bool", "false", "", ""), options["Flag"]);
        Assert.AreEqual(new OptionDescription("Limit", "int?", "", "", ""), options["Limit"]);
    }

    [TestMethod]
    public void AnInheritedKeyIsDescribedFromTheClassThatDeclaresIt()
    {
        var options = OptionDescriptions.Of(typeof(RandomDynamicOptions));

        CollectionAssert.AreEqual(new[] { "KeepFraction", "Warmup", "Anneal", "Interval", "Cover" }, options.Select(o => o.Name).ToArray());
        var keep = options[0];
        Assert.AreEqual(("double", "0.5", "(0, 1]"), (keep.Type, keep.Default, keep.Range));
        StringAssert.StartsWith(keep.Description, "Fraction k of the training set a pruned epoch uses", "from PruningOptions' documentation");
    }

    [TestMethod]
    public void APluginShippedWithoutItsXmlFileIsListedWithoutDescriptions()
    {
        using var work = new TempFolder();
        var folder = work.Combine("Winnow.Fixtures.Faulty");
        TempFolder.CopyDirectory(TestPaths.FixturePlugin("Winnow.Fixtures.Faulty"), folder);
        File.Delete(Path.Combine(folder, "Winnow.Fixtures.Faulty.xml"));
        using var catalog = PluginCatalog.Load(work.Path);
        var entry = catalog.Entries.Single(e => e.Name == "bad-plan");

        var options = OptionDescriptions.Of(PluginCatalog.OptionsTypeOf(entry, PluginCatalog.Instantiate(entry)));

        Assert.AreEqual(new OptionDescription("AtEpoch", "int", "2", ">= 1", ""), options.Single(o => o.Name == "AtEpoch"));
        Assert.IsTrue(options.All(o => o.Description.Length == 0));
    }

    [TestMethod]
    public void TheListingOfAThirdPartyFolderShowsItsOptionsAndSurvivesItsBrokenPlugins()
    {
        using var work = new TempFolder();
        var plugins = ThirdPartyFolders.Plugins(work, "plugins", "Winnow.Fixtures.Faulty");

        // No appsettings.json in this folder: the listing needs none.
        var result = HostProcess.Run(work.Path, "plugins", $"--Plugins:Directory={plugins}");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, $"plugins in {plugins} (contract version {PluginContract.Version}, Winnow {DropInTests.RepositoryVersion()})", result.ToString());
        Assert.MatchesRegex(new Regex(@"AtEpoch=2\s+int\s+>= 1\s+The one-based epoch whose plan is bad"), result.Output, result.ToString());
        Assert.MatchesRegex(new Regex(@"Fault=outofrange\s+outofrange\|negative\|duplicate\|nanweight\|negativeweight\|infiniteweight\|empty\s+What the plan gets wrong\."), result.Output, result.ToString());
        Assert.MatchesRegex(new Regex(@"KeepFraction=0\.5\s+double\s+\(0, 1\]\s+Fraction k of the training set"), result.Output, result.ToString());
        StringAssert.Contains(result.Output, "options (--Run:Policy:Options:<Key>=<value>):", result.ToString());
        StringAssert.Contains(result.Output, "options: not available: policy plugin 'throws-in-constructor'", result.ToString());
        StringAssert.Contains(result.Output, "assembly: Winnow.Fixtures.Faulty/Winnow.Fixtures.Faulty.dll, version", result.ToString());
        StringAssert.Contains(result.Output, "ucb", "the plugins after a broken one are listed");
    }

    [TestMethod]
    public void HelpExplainsTheCommandsAndHowToOverrideOptions()
    {
        using var work = new TempFolder();

        var result = HostProcess.Run(work.Path, "--help");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        foreach (var expected in new[]
                 {
                     "winnow resume <run folder>", "winnow plugins", "Commands:", "Overriding options from the command line:",
                     "--Run:Policy:Options:<Key>=<value>", "--Run:Model:Options:<Key>=<value>", "WINNOW_Run__Epochs=3",
                     "an empty value clears a key", "--Plugins:Directory=<folder>", "templates/winnow-policy",
                 })
            StringAssert.Contains(result.Output, expected, result.ToString());
    }
}
