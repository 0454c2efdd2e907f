using System.ComponentModel.DataAnnotations;

namespace Winnow.Tests.ThirdParty;

/// <summary>The typed plugin bases of the contracts: the name comes from the attribute alone, and the host's untyped call
/// arrives at the typed method with the options cast and validated, or not at all.</summary>
[TestClass]
public sealed class TypedPluginBaseTests
{
    [TestMethod]
    public void ThePluginsNameIsTheOneInItsAttribute()
    {
        IPolicyPlugin plugin = new NamedPolicyPlugin();

        var policy = (NamedPolicy)plugin.Create(new LimitOptions(), new PolicyContext(4, 1, 0));

        Assert.AreEqual("named-here", policy.Name);
        Assert.AreEqual(typeof(LimitOptions), plugin.OptionsType);
    }

    [TestMethod]
    public void OptionsOfAnotherClassAreRefusedAsOptionsNamingThePlugin()
    {
        var plugin = new NamedPolicyPlugin();

        var e = Assert.ThrowsExactly<ArgumentException>(() => ((IPolicyPlugin)plugin).Create(new NoOptions(), new PolicyContext(4, 1, 0)));

        Assert.AreEqual("options", e.ParamName);
        StringAssert.StartsWith(e.Message, "named-here expects options of type LimitOptions, got NoOptions");
        Assert.AreEqual(0, plugin.Calls, "the typed Create never sees them");
    }

    [TestMethod]
    public void InvalidOptionsAreRefusedNamingThePluginAndTheValue()
    {
        var plugin = new NamedPolicyPlugin();

        var e = Assert.ThrowsExactly<ValidationException>(() => ((IPolicyPlugin)plugin).Create(new LimitOptions { Limit = 0 }, new PolicyContext(4, 1, 0)));

        Assert.AreEqual("named-here: Limit must be at least 1.", e.Message);
        Assert.AreEqual(0, plugin.Calls, "a wrong value never reaches the plugin");
    }

    [TestMethod]
    public void APluginWithoutTheAttributeSaysWhereItsNameShouldBe()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ((IPolicyPlugin)new UnnamedPolicyPlugin()).Create(new NoOptions(), new PolicyContext(4, 1, 0)));

        StringAssert.Contains(e.Message, typeof(UnnamedPolicyPlugin).FullName!);
        StringAssert.Contains(e.Message, "[WinnowPlugin]");
    }

    [TestMethod]
    public void EveryKindHasABaseWithItsOptionsType()
    {
        Assert.AreEqual(typeof(NoOptions), ((IPlugin)new NoOptionsScorerPlugin()).OptionsType);
        Assert.ThrowsExactly<ArgumentException>(() => ((IScorerPlugin)new NoOptionsScorerPlugin()).Create(new LimitOptions(), new ScorerContext(1)));
        Assert.AreEqual(typeof(LimitOptions), ((IPlugin)new LimitModelPlugin()).OptionsType);
        Assert.AreEqual(typeof(LimitOptions), ((IPlugin)new LimitDatasetPlugin()).OptionsType);
        Assert.ThrowsExactly<ValidationException>(() => ((IModelPlugin)new LimitModelPlugin()).Create(new LimitOptions { Limit = -1 }, new ModelSpec([1], 2)));
        Assert.ThrowsExactly<ValidationException>(() => ((IDatasetPlugin)new LimitDatasetPlugin()).Open(new LimitOptions { Limit = -1 }, new DatasetContext("/", 0)));
    }

    /// <summary>Options with one rule to break.</summary>
    public sealed class LimitOptions
    {
        /// <summary>At least 1.</summary>
        [Range(1, int.MaxValue, ErrorMessage = "Limit must be at least 1.")]
        public int Limit { get; set; } = 1;
    }

    [WinnowPlugin(PluginKind.Policy, "named-here", "Test: a policy whose name is written once.")]
    private sealed class NamedPolicyPlugin : PolicyPlugin<LimitOptions>
    {
        public int Calls { get; private set; }

        protected override ISelectionPolicy Create(LimitOptions options, PolicyContext context)
        {
            Calls++;
            return new NamedPolicy(Name);
        }
    }

    private sealed class NamedPolicy(string name) : ISelectionPolicy
    {
        public string Name => name;

        public EpochPlan Plan(EpochContext context) => new([0]);
    }

    // Its Create reads Name, as a real plugin does, but nothing gives it one.
    private sealed class UnnamedPolicyPlugin : PolicyPlugin<NoOptions>
    {
        protected override ISelectionPolicy Create(NoOptions options, PolicyContext context) => new NamedPolicy(Name);
    }

    [WinnowPlugin(PluginKind.Scorer, "no-options-scorer", "Test: never scores.")]
    private sealed class NoOptionsScorerPlugin : ScorerPlugin<NoOptions>
    {
        protected override IScorer Create(NoOptions options, ScorerContext context) => throw new NotSupportedException();
    }

    [WinnowPlugin(PluginKind.Model, "limit-model", "Test: never builds.")]
    private sealed class LimitModelPlugin : ModelPlugin<LimitOptions>
    {
        protected override Classifier Create(LimitOptions options, ModelSpec spec) => throw new NotSupportedException();
    }

    [WinnowPlugin(PluginKind.Dataset, "limit-dataset", "Test: never opens.")]
    private sealed class LimitDatasetPlugin : DatasetPlugin<LimitOptions>
    {
        protected override Dataset Open(LimitOptions options, DatasetContext context) => throw new NotSupportedException();
    }
}
