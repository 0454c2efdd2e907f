using Microsoft.Extensions.Configuration;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Sweeps;

namespace Winnow.Engine.Plugins;

/// <summary>A plugin chosen for a run, with its bound options.</summary>
public sealed record ChosenPlugin(PluginEntry Entry, IPlugin Plugin, object Options)
{
    public string Name => Entry.Name;
}

/// <summary>The four plugins of a run, created and wired; owns the model, and the data unless a <see cref="DatasetCache"/> lent it
/// (<paramref name="ownsData"/> false).</summary>
public sealed class ComposedRun(ChosenPlugin model, ChosenPlugin dataset, ChosenPlugin scorer, ChosenPlugin policy,
    Classifier network, Dataset data, IScorer scorerInstance, ISelectionPolicy policyInstance, bool proxyEnabled, IReadOnlyList<string> notes,
    bool ownsData = true) : IDisposable
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

    /// <summary>What the policy asked of the engine.</summary>
    public PolicyNeeds Needs { get; } = policyInstance.Needs ?? PolicyNeeds.Default;

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

/// <summary>Turns the run settings into live plugins: chooses each by name, binds and validates its options,
/// then opens the data and creates the policy, scorer and model. Every name and option is checked before any data is read,
/// except a scorer left to the policy's choice, which is known only once the policy exists.</summary>
public static class RunComposer
{
    /// <summary>The scorer used when neither the configuration nor the policy names one.</summary>
    public const string DefaultScorer = "loss";

    /// <summary>Finds the plugins and binds their options; nothing is created that costs time.
    /// The scorer is null when <c>Run:Scorer:Name</c> is empty (the policy will choose).</summary>
    /// <exception cref="ConfigurationError">a name is unknown, or an option is unknown, of the wrong type or out of range.</exception>
    public static (ChosenPlugin Model, ChosenPlugin Dataset, ChosenPlugin? Scorer, ChosenPlugin Policy) Choose(RunSettings run, PluginCatalog catalog)
    {
        var problems = new List<string>();
        var model = Pick(catalog, PluginKind.Model, run.Model, "Model", problems);
        var dataset = Pick(catalog, PluginKind.Dataset, run.Dataset, "Dataset", problems);
        var scorer = run.Scorer.Name.Length == 0 ? null : Pick(catalog, PluginKind.Scorer, run.Scorer, "Scorer", problems);
        var policy = Pick(catalog, PluginKind.Policy, run.Policy, "Policy", problems);
        if (problems.Count > 0) throw new ConfigurationError(problems);
        return (model!, dataset!, scorer, policy!);
    }

    private static ChosenPlugin? Pick(PluginCatalog catalog, PluginKind kind, PluginChoice choice, string key, List<string> problems)
    {
        PluginEntry entry;
        try
        {
            entry = catalog.Find(kind, choice.Name, $"Run:{key}:Name");
        }
        catch (ConfigurationError e)
        {
            problems.AddRange(e.Problems);
            return null;
        }
        var plugin = PluginCatalog.Instantiate(entry);
        var optionsType = PluginCatalog.OptionsTypeOf(entry, plugin);
        try
        {
            var options = StrictBinder.Bind(choice.Options ?? EmptySection, optionsType, $"Run:{key}:Options");
            return new ChosenPlugin(entry, plugin, options);
        }
        catch (ConfigurationError e)
        {
            problems.AddRange(e.Problems);
            if (e.Problems.Any(p => p.Contains("unknown key", StringComparison.Ordinal)))
                problems.Add($"Run:{key}:Options: these are the options of the chosen {PluginCatalog.Label(kind)} '{entry.Name}'; " +
                             $"to switch plugins from the command line, clear the other plugin's keys too (--Run:{key}:Options:<Key>=)");
            return null;
        }
    }

    /// <summary>Opens the data and creates the policy, scorer and model. A plugin that throws is named in the error.</summary>
    /// <param name="datasets">Where a sweep keeps the data open between its runs; null opens it for this run only.</param>
    public static ComposedRun Create(RunSettings run, PluginCatalog catalog, string baseDirectory, DatasetCache? datasets = null)
    {
        var (model, dataset, chosenScorer, policy) = Choose(run, catalog);
        var notes = new List<string>();
        var datasetContext = new DatasetContext(baseDirectory, run.Seed);
        Dataset OpenData() => Call(dataset, "Open", () => ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, datasetContext));
        var ownsData = datasets is null;
        var data = datasets is null ? OpenData() : datasets.Open(dataset, datasetContext, OpenData);
        Classifier? network = null;
        try
        {
            var labels = LabelsOf(data.Train);
            var policyContext = new PolicyContext(data.Train.Count, run.Epochs, run.Seed) { Labels = labels };
            var policyInstance = Call(policy, "Create", () => ((IPolicyPlugin)policy.Plugin).Create(policy.Options, policyContext));
            var needs = Call(policy, "Needs", () => policyInstance.Needs ?? PolicyNeeds.Default);
            if (!(needs.EmaRate > 0 && needs.EmaRate <= 1))
                throw new PluginError($"policy plugin '{policy.Name}' asked for EMA rate {needs.EmaRate}; it must be in (0, 1]");

            var scorer = ResolveScorer(run, catalog, chosenScorer, policy, needs, notes);
            var scorerInstance = Call(scorer, "Create", () => ((IScorerPlugin)scorer.Plugin).Create(scorer.Options, new ScorerContext(data.Train.Count)));

            // Model initialisation draws from the global generator: seed it right before, so the same seed gives the same weights.
            torch.manual_seed(run.Seed);
            network = Call(model, "Create", () => ((IModelPlugin)model.Plugin).Create(model.Options, new ModelSpec(data.SampleShape, data.ClassNames.Count)));
            if (scorerInstance.NeedsFeatures && !network.HasFeatures)
                throw new ConfigurationError($"Run:Scorer:Name: scorer '{scorer.Name}' needs penultimate features, which model '{model.Name}' does not give");
            var proxyEnabled = false;
            if (needs.Proxy is { } proxy)
            {
                if (!(proxy.Width > 0 && proxy.Width <= 1) || !(proxy.LossWeight >= 0) || !double.IsFinite(proxy.LossWeight))
                    throw new PluginError($"policy plugin '{policy.Name}' asked for a proxy of width {proxy.Width} and loss weight {proxy.LossWeight}; width must be in (0, 1] and the weight finite and >= 0");
                proxyEnabled = network is IProxyModel sliced && Call(model, "EnableProxy", () => sliced.EnableProxy(proxy.Width));
                notes.Add(proxyEnabled
                    ? $"proxy: model '{model.Name}' trains a parameter-sharing proxy of width {proxy.Width} jointly (loss weight {proxy.LossWeight}) for policy '{policy.Name}'"
                    : $"proxy: model '{model.Name}' cannot slice itself; policy '{policy.Name}' refreshes through the full model instead");
            }
            // The engine reads a few members outside its own checks (HigherIsHarder, NominalKeepFraction, Save, Restore): guarded, a throw names the plugin and the call.
            return new ComposedRun(model, dataset, scorer, policy, network, data, PluginGuard.Scorer(scorer, scorerInstance),
                PluginGuard.Policy(policy, policyInstance), proxyEnabled, notes, ownsData);
        }
        catch
        {
            network?.Dispose();
            if (ownsData) data.Dispose();
            throw;
        }
    }

    // Run:Scorer:Name empty: the policy's scorer, else loss. Named and different from what the policy ranks by: refused,
    // because ranking by the wrong value (smallest loss instead of smallest margin) silently inverts a method.
    private static ChosenPlugin ResolveScorer(RunSettings run, PluginCatalog catalog, ChosenPlugin? chosen, ChosenPlugin policy, PolicyNeeds needs, List<string> notes)
    {
        if (chosen is not null)
        {
            if (needs.Scorer is { } wanted && !string.Equals(wanted, chosen.Name, StringComparison.OrdinalIgnoreCase))
                throw new ConfigurationError($"Run:Scorer:Name: policy '{policy.Name}' ranks samples by '{wanted}', but the scorer is set to '{chosen.Name}'; " +
                                             $"set Run:Scorer:Name={wanted} or leave it empty");
            return chosen;
        }
        var name = needs.Scorer ?? DefaultScorer;
        var problems = new List<string>();
        var scorer = Pick(catalog, PluginKind.Scorer, new PluginChoice { Name = name, Options = run.Scorer.Options }, "Scorer", problems);
        if (scorer is null)
            throw new ConfigurationError(problems.Select(p => p + (needs.Scorer is null ? "" : $" (the scorer policy '{policy.Name}' needs)")).ToList());
        notes.Add($"scorer: '{scorer.Name}'" + (needs.Scorer is null ? " (the default)" : $" (the one policy '{policy.Name}' ranks by)"));
        return scorer;
    }

    private static T Call<T>(ChosenPlugin plugin, string call, Func<T> action)
    {
        T result;
        try
        {
            result = action();
        }
        catch (ConfigurationError)
        {
            throw;
        }
        catch (ArgumentException e) when (e.ParamName == "options" && call == "Create")
        {
            // The contract's way to say "these options do not fit this run" (IPlugin.OptionsType): the user's to fix, not a plugin bug.
            var reason = e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new ConfigurationError($"Run:{plugin.Entry.Kind}:Options: {reason}");
        }
        catch (Exception e) when (plugin.Entry.Kind == PluginKind.Dataset && e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new PluginError($"dataset '{plugin.Name}' cannot be read: {e.Message}", e);
        }
        catch (Exception e)
        {
            throw PluginCatalog.Failure(plugin.Entry, call, e);
        }
        return result ?? throw new PluginError($"{PluginCatalog.Label(plugin.Entry.Kind)} plugin '{plugin.Name}' returned null from {call}");
    }

    /// <summary>The labels of a split as a plain array.</summary>
    public static int[] LabelsOf(LabeledData split)
    {
        using var labels = split.Labels.to_type(torch.ScalarType.Int32);
        return labels.data<int>().ToArray();
    }

    private static readonly IConfiguration EmptySection = new ConfigurationBuilder().Build();
}
