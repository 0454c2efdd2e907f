namespace Winnow.Engine.Plugins;

/// <summary>A plugin chosen for a run, with its bound options.</summary>
public sealed record ChosenPlugin(PluginEntry Entry, IPlugin Plugin, object Options)
{
    public string Name => Entry.Name;
}

/// <summary>The plugins a run's settings name, found and with their options bound; nothing is created yet that costs time.</summary>
/// <param name="Scorer">Null when <c>Run:Scorer:Name</c> is empty: the policy chooses once it exists.</param>
/// <param name="Warnings">Options that were ignored because they belong to another plugin of the same kind, one line each.</param>
public sealed record ChosenPlugins(ChosenPlugin Model, ChosenPlugin Dataset, ChosenPlugin? Scorer, ChosenPlugin Policy, IReadOnlyList<string> Warnings);

/// <summary>The four plugins of a run, created and wired; owns the model, and the data unless a <see cref="DatasetCache"/> lent it.</summary>
public sealed class ComposedRun(ChosenPlugin model, ChosenPlugin dataset, ChosenPlugin scorer, ChosenPlugin policy,
    Classifier network, Dataset data, IScorer scorerInstance, ISelectionPolicy policyInstance, PolicyNeeds needs, bool proxyEnabled,
    IReadOnlyList<string> notes, bool ownsData) : IDisposable
{
    public ChosenPlugin ModelPlugin { get; } = model;
    public ChosenPlugin DatasetPlugin { get; } = dataset;
    public ChosenPlugin ScorerPlugin { get; } = scorer;
    public ChosenPlugin PolicyPlugin { get; } = policy;
    public Classifier Model { get; } = network;
    public Dataset Data { get; } = data;
    public IScorer Scorer { get; } = scorerInstance;
    public ISelectionPolicy Policy { get; } = policyInstance;
    public string ScorerName => ScorerPlugin.Name;
    public string PolicyName => PolicyPlugin.Name;

    /// <summary>What the policy asked of the engine, read once (as the contract promises).</summary>
    public PolicyNeeds Needs { get; } = needs;

    /// <summary>Whether the model trains a parameter-sharing proxy jointly (the policy asked and the model can slice itself).</summary>
    public bool ProxyEnabled { get; } = proxyEnabled;

    /// <summary>Decisions made while composing that the user should read (fallbacks, defaults taken).</summary>
    public IReadOnlyList<string> Notes { get; } = notes;

    public void Dispose()
    {
        Model.Dispose();
        if (ownsData) Data.Dispose();
    }
}
