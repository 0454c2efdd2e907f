using System.Text.Json;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Sweeps;

namespace Winnow.Tests.Sweeps;

/// <summary>Expanding a sweep file into its runs: every combination, the skip rule for options a plugin lacks, labels, and the checks.</summary>
[TestClass]
public sealed class SweepPlanTests
{
    /// <summary>Option keys as the shipped plugins declare them, without loading any.</summary>
    private sealed class Options : IPluginOptionKeys
    {
        private static readonly Dictionary<(PluginKind, string), string[]> Keys = new()
        {
            [(PluginKind.Policy, "full")] = [],
            [(PluginKind.Policy, "random-dynamic")] = ["KeepFraction", "Warmup", "Anneal", "Interval", "Cover"],
            [(PluginKind.Policy, "ucb")] = ["KeepFraction", "Warmup", "Anneal", "Interval", "C", "EmaRate"],
            [(PluginKind.Model, "mlp")] = ["HiddenUnits", "HiddenLayers", "Dropout"],
            [(PluginKind.Model, "cnn")] = ["Channels1", "Channels2", "Hidden", "Dropout"],
            [(PluginKind.Dataset, "synthetic")] = ["TrainSize", "TestSize"],
        };

        public IReadOnlyCollection<string>? Of(PluginKind kind, string name) => Keys.TryGetValue((kind, name), out var k) ? k : null;

        public IReadOnlyCollection<string> AnyOf(PluginKind kind) => Keys.Where(k => k.Key.Item1 == kind).SelectMany(k => k.Value).Distinct().ToList();
    }

    private static SweepDefinition Parse(string json, params string[] overrides)
    {
        using var document = JsonDocument.Parse(json);
        return SweepDefinition.Parse("/sweeps/test.json", document.RootElement, overrides);
    }

    private const string Base = """
        "Base": { "Run": { "Epochs": 2, "Model": { "Name": "mlp" }, "Dataset": { "Name": "synthetic", "Options": { "TrainSize": 100 } },
                           "Policy": { "Name": "ucb", "Options": { "KeepFraction": 0.5 } } } }
        """;

    [TestMethod]
    public void EveryCombinationRunsWithTheFirstKeyVaryingSlowest()
    {
        var sweep = Parse($$"""{ {{Base}}, "Vary": { "Run:Policy:Name": ["random-dynamic", "ucb"], "Run:Policy:Options:KeepFraction": [0.5, 0.3], "Run:Seed": [1, 2] } }""");

        var plan = SweepPlan.Expand(sweep, new Options());

        CollectionAssert.AreEqual(new[]
        {
            "random-dynamic KeepFraction=0.5 seed=1", "random-dynamic KeepFraction=0.5 seed=2",
            "random-dynamic KeepFraction=0.3 seed=1", "random-dynamic KeepFraction=0.3 seed=2",
            "ucb KeepFraction=0.5 seed=1", "ucb KeepFraction=0.5 seed=2", "ucb KeepFraction=0.3 seed=1", "ucb KeepFraction=0.3 seed=2",
        }, plan.Select(c => c.Label).ToArray());
        Assert.AreEqual("ucb KeepFraction=0.3", plan[6].Configuration, "the configuration is the label without the seed");
        Assert.AreEqual("0.3", plan[6].Get("Run:Policy:Options:KeepFraction"));
        Assert.AreEqual("1", plan[6].Get("Run:Seed"));
        Assert.AreEqual("2", plan[6].Get("Run:Epochs"), "the base configuration is kept");
        Assert.AreEqual("100", plan[6].Get("Run:Dataset:Options:TrainSize"));
        Assert.IsTrue(plan.All(c => c.Skipped.Count == 0));
    }

    [TestMethod]
    public void AnOptionThePluginLacksIsSkippedAndDuplicatesRunOnce()
    {
        var sweep = Parse($$"""{ {{Base}}, "Vary": { "Run:Policy:Name": ["full", "ucb"], "Run:Policy:Options:KeepFraction": [0.5, 0.3], "Run:Seed": [1, 2] } }""");

        var plan = SweepPlan.Expand(sweep, new Options());

        CollectionAssert.AreEqual(new[]
        {
            "full seed=1", "full seed=2", "ucb KeepFraction=0.5 seed=1", "ucb KeepFraction=0.5 seed=2", "ucb KeepFraction=0.3 seed=1", "ucb KeepFraction=0.3 seed=2",
        }, plan.Select(c => c.Label).ToArray(), "full has no KeepFraction: it runs once per seed, not once per keep fraction");
        CollectionAssert.AreEqual(new[] { "Run:Policy:Options:KeepFraction" }, plan[0].Skipped.ToArray());
        Assert.IsNull(plan[0].Get("Run:Policy:Options:KeepFraction"), "the key is gone from full's configuration, base value included");
        Assert.IsFalse(plan[0].Values.Any(v => v.Key.Contains("KeepFraction", StringComparison.Ordinal)));
        Assert.AreEqual("full", plan[0].Configuration);
    }

    [TestMethod]
    public void AnOptionOfTheBaseIsSkippedForAPluginWithoutIt()
    {
        // The base sets ucb's C; random-dynamic has no C.
        var sweep = Parse("""
            { "Base": { "Run": { "Policy": { "Name": "ucb", "Options": { "C": 2, "KeepFraction": 0.4 } } } },
              "Vary": { "Run:Policy:Name": ["random-dynamic", "ucb"] } }
            """);

        var plan = SweepPlan.Expand(sweep, new Options());

        CollectionAssert.AreEqual(new[] { "Run:Policy:Options:C" }, plan[0].Skipped.ToArray());
        Assert.AreEqual("0.4", plan[0].Get("Run:Policy:Options:KeepFraction"));
        Assert.AreEqual("2", plan[1].Get("Run:Policy:Options:C"));
        Assert.AreEqual(0, plan[1].Skipped.Count);
    }

    [TestMethod]
    public void AnOptionNoPluginHasIsATypo()
    {
        var sweep = Parse($$"""{ {{Base}}, "Vary": { "Run:Policy:Name": ["full", "ucb"], "Run:Policy:Options:KepFraction": [0.5] } }""");

        var error = Assert.ThrowsExactly<ConfigurationError>(() => SweepPlan.Expand(sweep, new Options()));

        StringAssert.Contains(error.Message, "Run:Policy:Options:KepFraction: no loaded policy plugin has an option 'KepFraction'");
        StringAssert.Contains(error.Message, "KeepFraction");
    }

    [TestMethod]
    public void AnObjectValueReplacesTheWholeSection()
    {
        var sweep = Parse($$"""
            { {{Base}}, "Vary": { "Run:Policy": [ { "Name": "full" }, { "Name": "ucb", "Options": { "C": 2, "KeepFraction": 0.3 } } ],
                                  "Run:Model:Name": ["mlp", "cnn"] } }
            """);

        var plan = SweepPlan.Expand(sweep, new Options());

        CollectionAssert.AreEqual(new[] { "full mlp", "full cnn", "ucb C=2 KeepFraction=0.3 mlp", "ucb C=2 KeepFraction=0.3 cnn" }, plan.Select(c => c.Label).ToArray());
        Assert.IsNull(plan[0].Get("Run:Policy:Options:KeepFraction"), "the base's policy section is replaced, not merged");
        Assert.AreEqual("0.3", plan[2].Get("Run:Policy:Options:KeepFraction"));
    }

    [TestMethod]
    public void OverridesChangeTheBaseButNotAVariedKey()
    {
        var sweep = Parse($$"""{ {{Base}}, "Vary": { "Run:Seed": [1, 2] } }""", "--Run:Epochs=5");
        Assert.AreEqual("5", sweep.Base["Run:Epochs"]);
        var plan = SweepPlan.Expand(sweep, new Options());
        Assert.AreEqual("seed=1", plan[0].Label);
        Assert.AreEqual("base", plan[0].Configuration, "runs that differ by seed alone are one configuration");

        var error = Assert.ThrowsExactly<ConfigurationError>(() => Parse($$"""{ {{Base}}, "Vary": { "Run:Seed": [1, 2] } }""", "--Run:Seed=3"));
        StringAssert.Contains(error.Message, "Run:Seed is varied by the sweep");
    }

    [TestMethod]
    public void ABadSweepFileNamesEveryProblem()
    {
        var error = Assert.ThrowsExactly<ConfigurationError>(() => Parse("""
            { "Bsae": {}, "Vary": { "Run:Seed": 3, "Run:OutputDirectory": ["a"], "Model:Name": ["x"] } }
            """));

        StringAssert.Contains(error.Message, "unknown key 'Bsae'");
        StringAssert.Contains(error.Message, "Base is missing");
        StringAssert.Contains(error.Message, "Vary:Run:Seed: expected a non-empty list of values");
        StringAssert.Contains(error.Message, "Vary:Run:OutputDirectory: the sweep chooses each run's output folder itself");
        StringAssert.Contains(error.Message, "Vary:Model:Name: only Run:… and Plugins:… keys can vary");
    }

    [TestMethod]
    public void ABaseFileIsReadRelativeToTheSweepFile()
    {
        using var work = new Integration.TempFolder();
        Directory.CreateDirectory(work.Combine("bench"));
        File.WriteAllText(work.Combine("settings.json"), """{ "Run": { "Epochs": 7, "Policy": { "Name": "full" } } }""");
        File.WriteAllText(work.Combine("bench", "s.json"), """{ "Base": "../settings.json", "Vary": { "Run:Seed": [1] } }""");

        var sweep = SweepDefinition.Load(work.Combine("bench", "s.json"), []);

        Assert.AreEqual("7", sweep.Base["Run:Epochs"]);
        Assert.AreEqual(work.Path, sweep.BaseDirectory, "relative paths of the base start at its own folder");
        Assert.AreEqual("s", sweep.Name);
        Assert.AreEqual(Path.GetFullPath(Path.Combine("runs", "sweeps", "s")), SweepRunner.FolderFor(sweep, null));
    }
}
