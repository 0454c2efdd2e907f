using Microsoft.Extensions.Configuration;
using Winnow.Engine.Configuration;

namespace Winnow.Engine.Plugins;

/// <summary>A plugin chosen for a run, with its bound options.</summary>
public sealed record ChosenPlugin(PluginEntry Entry, IPlugin Plugin, object Options);

/// <summary>The four plugins of a run, created and wired; owns the model and the data.</summary>
public sealed class ComposedRun(ChosenPlugin model, ChosenPlugin dataset, ChosenPlugin scorer, ChosenPlugin policy,
    Classifier network, Dataset data, IScorer scorerInstance, ISelectionPolicy policyInstance) : IDisposable
{
    public ChosenPlugin ModelPlugin { get; } = model;
    public ChosenPlugin DatasetPlugin { get; } = dataset;
    public ChosenPlugin ScorerPlugin { get; } = scorer;
    public ChosenPlugin PolicyPlugin { get; } = policy;
    public Classifier Model { get; } = network;
    public Dataset Data { get; } = data;
    public IScorer Scorer { get; } = scorerInstance;
    public ISelectionPolicy Policy { get; } = policyInstance;
    public string ScorerName => ScorerPlugin.Entry.Name;
    public string PolicyName => PolicyPlugin.Entry.Name;

    public void Dispose()
    {
        Model.Dispose();
        Data.Dispose();
    }
}

/// <summary>Turns the run settings into live plugins: chooses each by name, binds and validates its options,
/// then opens the data and creates the model, scorer and policy. Every name and option is checked before any data is read.</summary>
public static class RunComposer
{
    /// <summary>Finds the four plugins and binds their options; nothing is created that costs time.</summary>
    /// <exception cref="PluginError">a name is unknown.</exception>
    /// <exception cref="ConfigurationError">an option is unknown, of the wrong type or out of range.</exception>
    public static (ChosenPlugin Model, ChosenPlugin Dataset, ChosenPlugin Scorer, ChosenPlugin Policy) Choose(RunSettings run, PluginCatalog catalog)
    {
        var problems = new List<string>();
        ChosenPlugin? Pick(PluginKind kind, PluginChoice choice, string key)
        {
            var entry = catalog.Find(kind, choice.Name, $"Run:{key}:Name");
            var plugin = PluginCatalog.Instantiate(entry);
            try
            {
                var options = StrictBinder.Bind(choice.Options ?? EmptySection, plugin.OptionsType, $"Run:{key}:Options");
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
        var model = Pick(PluginKind.Model, run.Model, "Model");
        var dataset = Pick(PluginKind.Dataset, run.Dataset, "Dataset");
        var scorer = Pick(PluginKind.Scorer, run.Scorer, "Scorer");
        var policy = Pick(PluginKind.Policy, run.Policy, "Policy");
        if (problems.Count > 0) throw new ConfigurationError(problems);
        return (model!, dataset!, scorer!, policy!);
    }

    /// <summary>Opens the data and creates the model, scorer and policy. A plugin that throws is named in the error.</summary>
    public static ComposedRun Create(RunSettings run, PluginCatalog catalog, string baseDirectory)
    {
        var (model, dataset, scorer, policy) = Choose(run, catalog);
        var data = Call(dataset, "Open", () => ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, new DatasetContext(baseDirectory, run.Seed)));
        try
        {
            // Model initialisation draws from the global generator: seed it right before, so the same seed gives the same weights.
            TorchSharp.torch.manual_seed(run.Seed);
            var network = Call(model, "Create", () => ((IModelPlugin)model.Plugin).Create(model.Options, new ModelSpec(data.SampleShape, data.ClassNames.Count)));
            var scorerInstance = Call(scorer, "Create", () => ((IScorerPlugin)scorer.Plugin).Create(scorer.Options));
            var policyInstance = Call(policy, "Create", () => ((IPolicyPlugin)policy.Plugin).Create(policy.Options, new PolicyContext(data.Train.Count, run.Epochs, run.Seed)));
            return new ComposedRun(model, dataset, scorer, policy, network, data, scorerInstance, policyInstance);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    private static T Call<T>(ChosenPlugin plugin, string call, Func<T> action)
    {
        T result;
        try
        {
            result = action();
        }
        catch (Exception e) when (plugin.Entry.Kind == PluginKind.Dataset && e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new PluginError($"dataset '{plugin.Entry.Name}' cannot be read: {e.Message}", e);
        }
        catch (Exception e)
        {
            throw new PluginError($"{PluginCatalog.Label(plugin.Entry.Kind)} plugin '{plugin.Entry.Name}' ({plugin.Entry.AssemblyPath}) failed in {call}: {PluginCatalog.Describe(e)}", e);
        }
        return result ?? throw new PluginError($"{PluginCatalog.Label(plugin.Entry.Kind)} plugin '{plugin.Entry.Name}' returned null from {call}");
    }

    private static readonly IConfiguration EmptySection = new ConfigurationBuilder().Build();
}
