namespace Winnow.Fixtures.Plugins;

/// <summary>Trains every epoch on the first half of the training set (by index): easy to recognise in a run's metrics.</summary>
/// <remarks>It implements <see cref="IPolicyPlugin"/> directly, not through <see cref="PolicyPlugin{TOptions}"/>, as a third-party
/// plugin may: the tests that load and run it keep the untyped interface a working contract.</remarks>
[WinnowPlugin(PluginKind.Policy, "first-half", "Test fixture: the first half of the training samples, every epoch.")]
public sealed class FirstHalfPolicyPlugin : IPolicyPlugin
{
    public Type OptionsType => typeof(NoOptions);

    public ISelectionPolicy Create(object options, PolicyContext context) => new FirstHalfPolicy(context.SampleCount);

    private sealed class FirstHalfPolicy(int sampleCount) : ISelectionPolicy
    {
        public EpochPlan Plan(EpochContext context) => new(Enumerable.Range(0, sampleCount / 2).ToArray());
    }
}
