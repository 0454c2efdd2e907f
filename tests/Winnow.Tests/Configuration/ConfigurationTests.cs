using Microsoft.Extensions.Configuration;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;

namespace Winnow.Tests.Configuration;

[TestClass]
public sealed class ConfigurationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [TestMethod]
    public void DefaultsBindFromAnEmptyConfiguration()
    {
        var settings = StrictBinder.Bind<WinnowSettings>(Config(), "");

        Assert.AreEqual(5, settings.Run.Epochs);
        Assert.AreEqual(DeviceChoice.Auto, settings.Run.Device);
        Assert.AreEqual("", settings.Plugins.Directory);
    }

    [TestMethod]
    public void ValuesBindCaseInsensitivelyWithInvariantNumbers()
    {
        var settings = StrictBinder.Bind<WinnowSettings>(Config(("run:epochs", "7"), ("Run:LearningRate", "0.125"), ("Run:Device", "CPU"), ("Run:Nesterov", "false")), "");

        Assert.AreEqual(7, settings.Run.Epochs);
        Assert.AreEqual(0.125, settings.Run.LearningRate);
        Assert.AreEqual(DeviceChoice.Cpu, settings.Run.Device);
        Assert.IsFalse(settings.Run.Nesterov);
    }

    [TestMethod]
    public void AnUnknownKeyIsNamedWithTheNearestValidOne()
    {
        var error = Assert.ThrowsExactly<ConfigurationError>(() => StrictBinder.Bind<WinnowSettings>(Config(("Run:BachSize", "64")), ""));

        StringAssert.Contains(error.Message, "Run:BachSize: unknown key (did you mean 'BatchSize'?)");
        StringAssert.Contains(error.Message, "valid keys here: Epochs, BatchSize");
    }

    [TestMethod]
    public void AnUnknownTopLevelSectionIsRefused()
    {
        var error = Assert.ThrowsExactly<ConfigurationError>(() => StrictBinder.Bind<WinnowSettings>(Config(("Trainng:Epochs", "3")), ""));

        StringAssert.Contains(error.Message, "Trainng: unknown key");
    }

    [TestMethod]
    public void OutOfRangeAndWrongTypeAreEachNamed()
    {
        var error = Assert.ThrowsExactly<ConfigurationError>(() => StrictBinder.Bind<WinnowSettings>(Config(("Run:Epochs", "three"), ("Run:Device", "tpu")), ""));

        Assert.HasCount(2, error.Problems);
        Assert.IsTrue(error.Problems.Any(p => p.StartsWith("Run:Epochs: 'three' is not a whole number", StringComparison.Ordinal)), error.Message);
        Assert.IsTrue(error.Problems.Any(p => p.StartsWith("Run:Device: 'tpu' is not a value (one of auto, cpu, cuda)", StringComparison.Ordinal)), error.Message);

        var range = Assert.ThrowsExactly<ConfigurationError>(() => StrictBinder.Bind<WinnowSettings>(Config(("Run:Epochs", "0")), ""));
        StringAssert.Contains(range.Message, "Run:Epochs: The field Epochs must be between 1 and 100000. (got 0)");
    }

    [TestMethod]
    public void NonFiniteNumbersAreRefused()
    {
        var error = Assert.ThrowsExactly<ConfigurationError>(() => StrictBinder.Bind<WinnowSettings>(Config(("Run:LearningRate", "NaN")), ""));

        StringAssert.Contains(error.Message, "Run:LearningRate: 'NaN' is not a finite number");
    }

    [TestMethod]
    public void AnEmptyValueLeavesTheDefault()
    {
        var settings = StrictBinder.Bind<WinnowSettings>(Config(("Run:Epochs", "")), "");

        Assert.AreEqual(5, settings.Run.Epochs);
    }

    [TestMethod]
    public void LayersApplyInOrderFileThenEnvironmentThenCommandLine()
    {
        using var work = new Integration.TempFolder();
        var file = work.Combine("appsettings.json");
        File.WriteAllText(file, """{ "Run": { "Epochs": 3, "BatchSize": 16, "Seed": 1 } }""");
        Environment.SetEnvironmentVariable("WINNOW_Run__BatchSize", "32");
        Environment.SetEnvironmentVariable("WINNOW_Run__Seed", "2");
        try
        {
            var (settings, _) = SettingsLoader.Load(file, ["--Run:Seed=9"]);

            Assert.AreEqual(3, settings.Run.Epochs, "from the file");
            Assert.AreEqual(32, settings.Run.BatchSize, "the environment overrides the file");
            Assert.AreEqual(9, settings.Run.Seed, "the command line overrides both");
        }
        finally
        {
            Environment.SetEnvironmentVariable("WINNOW_Run__BatchSize", null);
            Environment.SetEnvironmentVariable("WINNOW_Run__Seed", null);
        }
    }

    [TestMethod]
    public void AMissingOrMalformedFileAndAStrayArgumentAreNamed()
    {
        using var work = new Integration.TempFolder();
        var missing = work.Combine("nope.json");
        StringAssert.Contains(Assert.ThrowsExactly<ConfigurationError>(() => SettingsLoader.Load(missing, [])).Message, missing);

        var bad = work.Combine("bad.json");
        File.WriteAllText(bad, """{ "Run": { "Epochs": 3, } """);
        StringAssert.Contains(Assert.ThrowsExactly<ConfigurationError>(() => SettingsLoader.Load(bad, [])).Message, $"{bad}: not valid JSON");

        var good = work.Combine("good.json");
        File.WriteAllText(good, "{}");
        StringAssert.Contains(Assert.ThrowsExactly<ConfigurationError>(() => SettingsLoader.Load(good, ["Epochs=3"])).Message, "unexpected argument 'Epochs=3'");
        StringAssert.Contains(Assert.ThrowsExactly<ConfigurationError>(() => SettingsLoader.Load(good, ["--Run:Epochs"])).Message, "unexpected argument '--Run:Epochs'");
    }

    [TestMethod]
    public void PluginOptionsBindToTheClassThePluginDeclares()
    {
        using var catalog = PluginCatalog.Load(Integration.TestPaths.PluginsDirectory);
        var run = StrictBinder.Bind<WinnowSettings>(Config(
            ("Run:Model:Name", "mlp"), ("Run:Model:Options:HiddenUnits", "64"),
            ("Run:Dataset:Name", "synthetic"),
            ("Run:Policy:Name", "random-dynamic"), ("Run:Policy:Options:KeepFraction", "0.25")), "").Run;

        var (model, _, _, policy, _) = RunComposer.Choose(run, catalog);

        Assert.AreEqual(64, model.Options.GetType().GetProperty("HiddenUnits")!.GetValue(model.Options));
        Assert.AreEqual(0.25, policy.Options.GetType().GetProperty("KeepFraction")!.GetValue(policy.Options));
    }

    [TestMethod]
    public void BadPluginOptionsAreAllReportedWithTheirKeys()
    {
        using var catalog = PluginCatalog.Load(Integration.TestPaths.PluginsDirectory);
        var run = StrictBinder.Bind<WinnowSettings>(Config(
            ("Run:Model:Name", "mlp"), ("Run:Model:Options:HidenUnits", "64"),
            ("Run:Dataset:Name", "synthetic"), ("Run:Scorer:Name", "loss"), ("Run:Scorer:Options:Anything", "1"),
            ("Run:Policy:Name", "random-dynamic"), ("Run:Policy:Options:KeepFraction", "0")), "").Run;

        var error = Assert.ThrowsExactly<ConfigurationError>(() => RunComposer.Choose(run, catalog));

        Assert.HasCount(3, error.Problems, error.Message);
        StringAssert.Contains(error.Message, "Run:Model:Options:HidenUnits: unknown key (did you mean 'HiddenUnits'?)");
        StringAssert.Contains(error.Message, "Run:Scorer:Options:Anything: unknown key; this section takes no keys");
        StringAssert.Contains(error.Message, "Run:Policy:Options:KeepFraction");
    }
}
