using Microsoft.Extensions.Configuration;
using TorchSharp;
using Winnow.Engine.Configuration;

namespace Winnow.Engine.Plugins;

/// <summary>Turns the run settings into live plugins: <see cref="Choose"/> finds each by name and binds and validates its options,
/// <see cref="Create"/> then opens the data and creates the policy, scorer and model. Every name and option is checked before any
/// data is read, except a scorer left to the policy's choice, which is known only once the policy exists.</summary>
public static class RunComposer
{
    /// <summary>The scorer used when neither the configuration nor the policy names one.</summary>
    public const string DefaultScorer = "loss";

    /// <summary>Finds the plugins and binds their options. An option the chosen plugin lacks but another loaded plugin of the same kind
    /// declares (left over from switching plugins on the command line) is ignored with a warning naming its owner.</summary>
    /// <exception cref="ConfigurationError">a name is unknown, or an option is unknown, of the wrong type or out of range.</exception>
    public static ChosenPlugins Choose(RunSettings run, PluginCatalog catalog)
    {
        var problems = new List<string>();
        var warnings = new List<string>();
        var keys = new CatalogOptionKeys(catalog);
        var model = Pick(catalog, keys, PluginKind.Model, run.Model, problems, warnings);
        var dataset = Pick(catalog, keys, PluginKind.Dataset, run.Dataset, problems, warnings);
        var scorer = run.Scorer.Name.Length == 0 ? null : Pick(catalog, keys, PluginKind.Scorer, run.Scorer, problems, warnings);
        var policy = Pick(catalog, keys, PluginKind.Policy, run.Policy, problems, warnings);
        if (problems.Count > 0) throw new ConfigurationError(problems);
        return new ChosenPlugins(model!, dataset!, scorer, policy!, warnings);
    }

    // nameKey: the key the name came from, for the message when it is unknown (a policy's Scorer option rather than Run:Scorer:Name).
    private static ChosenPlugin? Pick(PluginCatalog catalog, CatalogOptionKeys keys, PluginKind kind, PluginChoice choice,
        List<string> problems, List<string> warnings, string? nameKey = null)
    {
        var key = $"Run:{kind}";
        PluginEntry entry;
        try
        {
            entry = catalog.Find(kind, choice.Name, nameKey ?? $"{key}:Name");
        }
        catch (ConfigurationError e)
        {
            problems.AddRange(e.Problems);
            return null;
        }
        var plugin = PluginCatalog.Instantiate(entry);
        var optionsType = PluginCatalog.OptionsTypeOf(entry, plugin);
        var section = OwnOptions(choice.Options, entry, keys, $"{key}:Options", warnings);
        try
        {
            return new ChosenPlugin(entry, plugin, StrictBinder.Bind(section, optionsType, $"{key}:Options"));
        }
        catch (ConfigurationError e)
        {
            problems.AddRange(e.Problems);
            return null;
        }
    }

    // The options section without the keys that are not the chosen plugin's but another loaded plugin's of the same kind.
    private static IConfiguration OwnOptions(IConfigurationSection? options, PluginEntry entry, CatalogOptionKeys keys, string path, List<string> warnings)
    {
        if (options is null) return EmptySection;
        var own = keys.Of(entry.Kind, entry.Name) ?? [];
        var foreign = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in options.GetChildren())
        {
            if (own.Contains(child.Key, StringComparer.OrdinalIgnoreCase)) continue;
            if (string.IsNullOrEmpty(child.Value) && !child.GetChildren().Any()) continue;
            var owners = keys.OwnersOf(entry.Kind, child.Key).Where(o => !string.Equals(o, entry.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (owners.Count == 0) continue;
            foreign.Add(child.Key);
            warnings.Add($"{path}:{child.Key} is ignored: it is an option of {PluginCatalog.Label(entry.Kind)} {string.Join(" and ", owners.Select(o => $"'{o}'"))}, " +
                         $"not of the chosen '{entry.Name}'");
        }
        if (foreign.Count == 0) return options;
        var kept = options.AsEnumerable(makePathsRelative: true)
            .Where(kv => !foreign.Contains(kv.Key.Split(ConfigurationPath.KeyDelimiter)[0]));
        return new ConfigurationBuilder().AddInMemoryCollection(kept).Build();
    }

    /// <summary>Opens the data and creates the policy, scorer and model of <paramref name="chosen"/>. A plugin that throws is named in the error.</summary>
    /// <param name="datasets">Where a sweep keeps the data open between its runs; null opens it for this run only.</param>
    public static ComposedRun Create(RunSettings run, ChosenPlugins chosen, PluginCatalog catalog, string baseDirectory, DatasetCache? datasets = null)
    {
        var (model, dataset, chosenScorer, policy) = (chosen.Model, chosen.Dataset, chosen.Scorer, chosen.Policy);
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
                throw new PluginError($"{Describe(policy)} asked for EMA rate {needs.EmaRate}; it must be in (0, 1]");

            var (scorer, scorerKey) = ResolveScorer(run, catalog, chosenScorer, policy, needs, notes);
            var scorerInstance = Call(scorer, "Create", () => ((IScorerPlugin)scorer.Plugin).Create(scorer.Options, new ScorerContext(data.Train.Count)));

            // Model initialisation draws from the global generator: seed it right before, so the same seed gives the same weights.
            torch.manual_seed(run.Seed);
            network = Call(model, "Create", () => ((IModelPlugin)model.Plugin).Create(model.Options, new ModelSpec(data.SampleShape, data.ClassNames.Count)));
            if (scorerInstance.NeedsFeatures && !network.HasFeatures)
                throw new ConfigurationError($"{scorerKey}: scorer '{scorer.Name}' needs penultimate features, which model '{model.Name}' does not give");
            var proxyEnabled = EnableProxy(model, network, policy, needs, notes);
            // The engine reads a few members outside its own checks (HigherIsHarder, NominalKeepFraction, Save, Restore): guarded, a throw names the plugin and the call.
            return new ComposedRun(model, dataset, scorer, policy, network, data, PluginGuard.Scorer(scorer, scorerInstance),
                PluginGuard.Policy(policy, policyInstance), needs, proxyEnabled, notes, ownsData);
        }
        catch
        {
            network?.Dispose();
            if (ownsData) data.Dispose();
            throw;
        }
    }

    private static bool EnableProxy(ChosenPlugin model, Classifier network, ChosenPlugin policy, PolicyNeeds needs, List<string> notes)
    {
        if (needs.Proxy is not { } proxy) return false;
        if (!(proxy.Width > 0 && proxy.Width <= 1) || !(proxy.LossWeight >= 0) || !double.IsFinite(proxy.LossWeight))
            throw new PluginError($"{Describe(policy)} asked for a proxy of width {proxy.Width} and loss weight {proxy.LossWeight}; width must be in (0, 1] and the weight finite and >= 0");
        var enabled = network is IProxyModel sliced && Call(model, "EnableProxy", () => sliced.EnableProxy(proxy.Width));
        notes.Add(enabled
            ? $"proxy: model '{model.Name}' trains a parameter-sharing proxy of width {proxy.Width} jointly (loss weight {proxy.LossWeight}) for policy '{policy.Name}'"
            : $"proxy: model '{model.Name}' cannot slice itself; policy '{policy.Name}' refreshes through the full model instead");
        return enabled;
    }

    // The key a policy's own choice of scorer is set with: the ranking policies' Scorer option.
    private const string PolicyScorerKey = "Run:Policy:Options:Scorer";

    // The scorer the policy ranks by when it names one (any loaded scorer plugin), else Run:Scorer:Name, else loss; with the key
    // the name came from, for messages. Both naming different scorers is refused: which one ranks would be a guess, and ranking by
    // the wrong values (smallest loss instead of smallest margin) silently inverts a method.
    private static (ChosenPlugin Scorer, string Key) ResolveScorer(RunSettings run, PluginCatalog catalog, ChosenPlugin? chosen, ChosenPlugin policy,
        PolicyNeeds needs, List<string> notes)
    {
        // A policy that fixes its scorer without an option (a third-party one may) can only be matched, not told.
        var optionKey = HasScorerOption(policy) ? PolicyScorerKey : null;
        if (chosen is not null)
        {
            if (needs.Scorer is { } wanted && !string.Equals(wanted, chosen.Name, StringComparison.OrdinalIgnoreCase))
                throw new ConfigurationError($"Run:Scorer:Name: policy '{policy.Name}' ranks samples by '{wanted}', but the scorer is set to '{chosen.Name}'; " +
                                             (optionKey is null
                                                 ? $"set Run:Scorer:Name={wanted} or leave it empty"
                                                 : $"the policy's {optionKey} option is the one that chooses its scorer: set {optionKey}={chosen.Name} and leave Run:Scorer:Name empty"));
            return (chosen, "Run:Scorer:Name");
        }
        var name = needs.Scorer ?? DefaultScorer;
        var key = needs.Scorer is null ? "Run:Scorer:Name" : optionKey ?? "Run:Scorer:Name";
        var problems = new List<string>();
        var scorer = Pick(catalog, new CatalogOptionKeys(catalog), PluginKind.Scorer, new PluginChoice { Name = name, Options = run.Scorer.Options }, problems, [], key);
        if (scorer is null)
            throw new ConfigurationError(problems.Select(p => p + (needs.Scorer is null || optionKey is not null ? "" : $" (the scorer policy '{policy.Name}' needs)")).ToList());
        notes.Add($"scorer: '{scorer.Name}'" + (needs.Scorer is null ? " (the default)" : $" (the one policy '{policy.Name}' ranks by)"));
        return (scorer, key);
    }

    private static bool HasScorerOption(ChosenPlugin policy) =>
        StrictBinder.Keys(policy.Options.GetType()).Any(p => string.Equals(p.Name, "Scorer", StringComparison.OrdinalIgnoreCase));

    private static string Describe(ChosenPlugin plugin) => $"{PluginCatalog.Label(plugin.Entry.Kind)} plugin '{plugin.Name}' ({plugin.Entry.AssemblyPath})";

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
        return result ?? throw new PluginError($"{Describe(plugin)} returned null from {call}");
    }

    /// <summary>The labels of a split as a plain array.</summary>
    public static int[] LabelsOf(LabeledData split)
    {
        using var labels = split.Labels.to_type(torch.ScalarType.Int32);
        return labels.data<int>().ToArray();
    }

    private static readonly IConfiguration EmptySection = new ConfigurationBuilder().Build();
}
