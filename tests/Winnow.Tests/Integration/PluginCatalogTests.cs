using Winnow.Engine.Plugins;

namespace Winnow.Tests.Integration;

/// <summary>Loading plugin folders: the real ones the build made, a fixture the host never references, and broken folders.</summary>
[TestClass]
public sealed class PluginCatalogTests
{
    [TestMethod]
    public void TheBuiltPluginsFolderHoldsEveryKind()
    {
        using var catalog = PluginCatalog.Load(TestPaths.PluginsDirectory);

        Assert.IsEmpty(catalog.Problems, string.Join("\n", catalog.Problems));
        string[] Names(PluginKind kind) => catalog.Entries.Where(e => e.Kind == kind).Select(e => e.Name).Order().ToArray();
        CollectionAssert.AreEqual(new[] { "cnn", "mlp", "resnet18" }, Names(PluginKind.Model));
        CollectionAssert.AreEqual(new[] { "cifar10", "cifar100", "data-file", "fashion-mnist", "mnist", "synthetic" }, Names(PluginKind.Dataset));
        CollectionAssert.AreEqual(new[] { "el2n", "entropy", "forgetting", "grand", "loss", "margin" }, Names(PluginKind.Scorer));
        CollectionAssert.AreEqual(new[] { "dynams", "epsilon-greedy", "full", "infobatch", "random-dynamic", "static-random", "static-score", "ucb" }, Names(PluginKind.Policy));
        Assert.IsTrue(catalog.Entries.All(e => e.IsCompatible && e.Description.Length > 10));
    }

    [TestMethod]
    public void AFixturePluginBuiltApartIsFoundInItsOwnFolder()
    {
        using var work = new TempFolder();
        TempFolder.CopyDirectory(TestPaths.FixturePlugin("Winnow.Fixtures.Plugins"), work.Combine("Winnow.Fixtures.Plugins"));

        using var catalog = PluginCatalog.Load(work.Path);

        Assert.HasCount(3, catalog.Entries);
        Assert.AreEqual("linear", catalog.Entries.Single(e => e.Kind == PluginKind.Model).Name);
        Assert.AreEqual("confidence", catalog.Entries.Single(e => e.Kind == PluginKind.Scorer).Name);
        var entry = catalog.Entries.Single(e => e.Kind == PluginKind.Policy);
        Assert.AreEqual("first-half", entry.Name);
        Assert.AreEqual("Winnow.Fixtures.Plugins.FirstHalfPolicyPlugin", entry.ImplementationType.FullName);
        var policy = ((IPolicyPlugin)PluginCatalog.Instantiate(entry)).Create(new NoOptions(), new PolicyContext(10, 1, 0));
        var plan = policy.Plan(new EpochContext(0, new Engine.Training.ScoreBoard(10), new Random(0)));
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, plan.Indices);
    }

    [TestMethod]
    public void FoldersWithoutAPluginOrWithABrokenAssemblyAreReportedAndSkipped()
    {
        using var work = new TempFolder();
        Directory.CreateDirectory(work.Combine("Empty"));
        Directory.CreateDirectory(work.Combine("Broken"));
        File.WriteAllBytes(work.Combine("Broken", "Broken.dll"), [0x4D, 0x5A, 1, 2, 3, 4, 5, 6, 7, 8]);
        TempFolder.CopyDirectory(TestPaths.FixturePlugin("Winnow.Fixtures.Plugins"), work.Combine("Winnow.Fixtures.Plugins"));

        using var catalog = PluginCatalog.Load(work.Path);

        Assert.AreEqual("first-half", catalog.Entries.Single(e => e.Kind == PluginKind.Policy).Name, "the good plugin still loads");
        Assert.HasCount(2, catalog.Problems);
        Assert.IsTrue(catalog.Problems.Any(p => p.Contains(work.Combine("Broken", "Broken.dll")) && p.Contains("could not be loaded")), string.Join("\n", catalog.Problems));
        Assert.IsTrue(catalog.Problems.Any(p => p.Contains(work.Combine("Empty")) && p.Contains("no plugin assembly Empty.dll")), string.Join("\n", catalog.Problems));
    }

    [TestMethod]
    public void ADllDroppedStraightIntoThePluginsDirectoryIsReportedWithWhereItBelongs()
    {
        using var work = new TempFolder();
        var fixture = TestPaths.FixturePlugin("Winnow.Fixtures.Plugins");
        File.Copy(Path.Combine(fixture, "Winnow.Fixtures.Plugins.dll"), work.Combine("Winnow.Fixtures.Plugins.dll"));

        using var catalog = PluginCatalog.Load(work.Path);

        Assert.IsEmpty(catalog.Entries, "a loose DLL is not loaded");
        var problem = catalog.Problems.Single();
        StringAssert.StartsWith(problem, work.Combine("Winnow.Fixtures.Plugins.dll") + ": skipped");
        StringAssert.EndsWith(problem, work.Combine("Winnow.Fixtures.Plugins", "Winnow.Fixtures.Plugins.dll"));
    }

    [TestMethod]
    public void TwoPluginsOfOneKindWithOneNameAreAnErrorNamingBothFiles()
    {
        using var work = new TempFolder();
        var fixture = TestPaths.FixturePlugin("Winnow.Fixtures.Plugins");
        TempFolder.CopyDirectory(fixture, work.Combine("Winnow.Fixtures.Plugins"));
        Directory.CreateDirectory(work.Combine("Copy"));
        File.Copy(Path.Combine(fixture, "Winnow.Fixtures.Plugins.dll"), work.Combine("Copy", "Copy.dll"));

        var error = Assert.ThrowsExactly<PluginError>(() => PluginCatalog.Load(work.Path));

        StringAssert.Contains(error.Message, "two policy plugins are named 'first-half'");
        StringAssert.Contains(error.Message, "two model plugins are named 'linear'");
        StringAssert.Contains(error.Message, work.Combine("Copy", "Copy.dll"));
        StringAssert.Contains(error.Message, work.Combine("Winnow.Fixtures.Plugins", "Winnow.Fixtures.Plugins.dll"));
    }

    [TestMethod]
    public void AMissingPluginsDirectoryIsNamed()
    {
        var missing = Path.Combine(Path.GetTempPath(), "winnow-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var error = Assert.ThrowsExactly<PluginError>(() => PluginCatalog.Load(missing));

        StringAssert.Contains(error.Message, missing);
    }

    [TestMethod]
    public void EachBuiltPluginFolderHoldsOnlyThePluginsOwnFiles()
    {
        var folders = Directory.GetDirectories(TestPaths.PluginsDirectory);
        Assert.HasCount(4, folders);
        foreach (var folder in folders)
        {
            var name = Path.GetFileName(folder);
            var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order().ToList();
            Assert.Contains($"{name}.dll", files, $"{folder} lacks its assembly");
            Assert.Contains($"{name}.deps.json", files, $"{folder} lacks its deps.json");
            Assert.IsEmpty(Directory.GetDirectories(folder), $"{folder} holds sub-folders (native libraries?): {string.Join(", ", files)}");
            // The data file format is the datasets plugin's own dependency; the host has its own copy for winnow data import.
            var own = name == "Winnow.Plugins.Datasets" ? new[] { name + ".", "Winnow.DataFiles." } : [name + "."];
            var foreign = files.Where(f => !own.Any(o => f.StartsWith(o, StringComparison.Ordinal))).ToList();
            Assert.IsEmpty(foreign, $"{folder} ships files that belong to the host (TorchSharp, System.Composition, contracts): {string.Join(", ", foreign)}");
        }
    }
}
