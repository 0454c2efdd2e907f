using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace Winnow;

/// <summary>What the four typed plugin bases share: the options class, the check of the options and the plugin's name.
/// Derive from <see cref="ModelPlugin{TOptions}"/>, <see cref="DatasetPlugin{TOptions}"/>, <see cref="ScorerPlugin{TOptions}"/>
/// or <see cref="PolicyPlugin{TOptions}"/>.</summary>
/// <typeparam name="TOptions">The plugin's options class (<see cref="IPlugin.OptionsType"/>): public settable properties with
/// defaults, validated with DataAnnotations; <see cref="NoOptions"/> when there is nothing to set.</typeparam>
/// <remarks>The untyped interfaces remain the contract the host calls, and a plugin may still implement one directly and cast
/// its options itself. A base does the cast and the validation once, and gives the plugin its name from its attribute, so
/// that the name is written in one place.</remarks>
public abstract class Plugin<TOptions> : IPlugin where TOptions : class, new()
{
    private string? _name;

    // Only the bases of each kind derive from here: the kind decides which interface the host calls.
    private protected Plugin() { }

    /// <summary>The options class, <typeparamref name="TOptions"/>.</summary>
    public Type OptionsType => typeof(TOptions);

    /// <summary>The plugin's name as the <see cref="WinnowPluginAttribute"/> on its own class gives it (read once). Use it in
    /// messages and saved state instead of writing the name again.</summary>
    /// <exception cref="InvalidOperationException">The class carries no <see cref="WinnowPluginAttribute"/>.</exception>
    protected string Name => _name ??= GetType().GetCustomAttribute<WinnowPluginAttribute>(inherit: false)?.Name
        ?? throw new InvalidOperationException($"{GetType().FullName} has no [WinnowPlugin] attribute, which gives a plugin its name");

    /// <summary>Casts the host's options to <typeparamref name="TOptions"/> and validates their DataAnnotations again.</summary>
    /// <remarks>The host has already validated them, but a plugin may also be called by tests or another host, and a wrong value
    /// must never reach the maths.</remarks>
    private protected TOptions Validated(object options)
    {
        if (options is not TOptions typed)
            throw new ArgumentException($"{Name} expects options of type {typeof(TOptions).Name}, got {options?.GetType().Name ?? "null"}", nameof(options));
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(typed, new ValidationContext(typed), results, validateAllProperties: true))
            throw new ValidationException($"{Name}: {string.Join("; ", results.Select(r => r.ErrorMessage))}");
        return typed;
    }
}

/// <summary>The typed base of a selection-policy plugin: the host's <see cref="IPolicyPlugin.Create"/> reaches
/// <see cref="Create(TOptions, PolicyContext)"/> with the options cast and validated.</summary>
/// <typeparam name="TOptions">The policy's options class.</typeparam>
/// <example><code>
/// [WinnowPlugin(PluginKind.Policy, "my-policy", "one line for the listing")]
/// public sealed class MyPolicyPlugin : PolicyPlugin&lt;MyPolicyOptions&gt;
/// {
///     protected override ISelectionPolicy Create(MyPolicyOptions options, PolicyContext context) => new MyPolicy(Name, options, context);
/// }
/// </code></example>
public abstract class PolicyPlugin<TOptions> : Plugin<TOptions>, IPolicyPlugin where TOptions : class, new()
{
    ISelectionPolicy IPolicyPlugin.Create(object options, PolicyContext context) => Create(Validated(options), context);

    /// <summary>Creates the policy for one run.</summary>
    /// <param name="options">The options, bound and validated.</param>
    /// <param name="context">The run's size and seed.</param>
    /// <exception cref="ArgumentException">With <see cref="ArgumentException.ParamName"/> <c>options</c>: options valid alone that
    /// do not fit this run (more warm-up epochs than the run has). The host reports the message as a configuration error under
    /// the plugin's <c>Options</c> key, not as a failure of the plugin.</exception>
    protected abstract ISelectionPolicy Create(TOptions options, PolicyContext context);
}

/// <summary>The typed base of a scorer plugin: the host's <see cref="IScorerPlugin.Create"/> reaches
/// <see cref="Create(TOptions, ScorerContext)"/> with the options cast and validated.</summary>
/// <typeparam name="TOptions">The scorer's options class; <see cref="NoOptions"/> for most.</typeparam>
public abstract class ScorerPlugin<TOptions> : Plugin<TOptions>, IScorerPlugin where TOptions : class, new()
{
    IScorer IScorerPlugin.Create(object options, ScorerContext context) => Create(Validated(options), context);

    /// <summary>Creates the scorer for one run.</summary>
    /// <param name="options">The options, bound and validated.</param>
    /// <param name="context">The size of the training split (for scorers that keep per-sample history).</param>
    /// <exception cref="ArgumentException">With <see cref="ArgumentException.ParamName"/> <c>options</c>: options valid alone that
    /// do not fit this run; the host reports it as a configuration error under the plugin's <c>Options</c> key.</exception>
    protected abstract IScorer Create(TOptions options, ScorerContext context);
}

/// <summary>The typed base of a model plugin: the host's <see cref="IModelPlugin.Create"/> reaches
/// <see cref="Create(TOptions, ModelSpec)"/> with the options cast and validated.</summary>
/// <typeparam name="TOptions">The model's options class.</typeparam>
public abstract class ModelPlugin<TOptions> : Plugin<TOptions>, IModelPlugin where TOptions : class, new()
{
    Classifier IModelPlugin.Create(object options, ModelSpec spec) => Create(Validated(options), spec);

    /// <summary>Builds a freshly initialised model for the given data. Initialisation must draw from TorchSharp's global
    /// generator (the host seeds it), so a run is reproducible. A model that offers DynaMS's proxy implements <see cref="IProxyModel"/>.</summary>
    /// <param name="options">The options, bound and validated.</param>
    /// <param name="spec">The shape of one sample and the number of classes.</param>
    /// <exception cref="ArgumentException">With <see cref="ArgumentException.ParamName"/> <c>options</c>: options valid alone that
    /// do not fit this data; the host reports it as a configuration error under the plugin's <c>Options</c> key.</exception>
    protected abstract Classifier Create(TOptions options, ModelSpec spec);
}

/// <summary>The typed base of a dataset plugin: the host's <see cref="IDatasetPlugin.Open"/> reaches
/// <see cref="Open(TOptions, DatasetContext)"/> with the options cast and validated.</summary>
/// <typeparam name="TOptions">The dataset's options class.</typeparam>
public abstract class DatasetPlugin<TOptions> : Plugin<TOptions>, IDatasetPlugin where TOptions : class, new()
{
    Dataset IDatasetPlugin.Open(object options, DatasetContext context) => Open(Validated(options), context);

    /// <summary>Reads the train and test splits. Throw <see cref="InvalidDataException"/> (naming the file and what is wrong)
    /// for bad data, and <see cref="FileNotFoundException"/> or <see cref="DirectoryNotFoundException"/> for missing files: the
    /// host reports the message and stops before training.</summary>
    /// <param name="options">The options, bound and validated.</param>
    /// <param name="context">Where relative paths start and the run's seed.</param>
    protected abstract Dataset Open(TOptions options, DatasetContext context);
}
