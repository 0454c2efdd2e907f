using System.Composition;

namespace Winnow;

/// <summary>The four kinds of plugin the host composes into a run.</summary>
public enum PluginKind
{
    /// <summary>Builds the network (<see cref="IModelPlugin"/>).</summary>
    Model,
    /// <summary>Opens the train and test data (<see cref="IDatasetPlugin"/>).</summary>
    Dataset,
    /// <summary>Turns a batch's outputs into per-sample values (<see cref="IScorerPlugin"/>).</summary>
    Scorer,
    /// <summary>Chooses which samples each epoch trains on (<see cref="IPolicyPlugin"/>).</summary>
    Policy,
}

/// <summary>The version of these contracts. A plugin records the version it was compiled against
/// (the constant is baked into the plugin), and the host refuses a plugin whose version is not exactly its own:
/// the number changes only when a contract breaks, so any other number means contracts this host does not have.</summary>
public static class PluginContract
{
    /// <summary>Raised on every breaking change of a contract in this assembly. 2: the typed plugin bases replace
    /// <c>PluginOptions</c>, and DynaMS's proxy moved from <see cref="Classifier"/> to <see cref="IProxyModel"/>.</summary>
    public const int Version = 2;
}

/// <summary>Exports a plugin with the metadata the host reads:
/// <c>[WinnowPlugin(PluginKind.Policy, "random-dynamic", "one line that says what it does")]</c> on a class that
/// implements the kind's interface (<see cref="IModelPlugin"/>, <see cref="IDatasetPlugin"/>, <see cref="IScorerPlugin"/>
/// or <see cref="IPolicyPlugin"/>), usually through its typed base (<see cref="ModelPlugin{TOptions}"/>,
/// <see cref="DatasetPlugin{TOptions}"/>, <see cref="ScorerPlugin{TOptions}"/>, <see cref="PolicyPlugin{TOptions}"/>),
/// and has a public parameterless constructor.</summary>
/// <remarks>The attribute is the one place a plugin's name is written: a typed base reads it back as its <c>Name</c>.
/// One attribute for all kinds: System.Composition reads metadata only from properties declared on the
/// attribute class itself, so a hierarchy of attributes would repeat them.</remarks>
[MetadataAttribute, AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class WinnowPluginAttribute : ExportAttribute
{
    /// <param name="kind">What the plugin is; decides the interface exported.</param>
    /// <param name="name">The name a configuration chooses the plugin by, lower-case with dashes (for example <c>random-dynamic</c>).</param>
    /// <param name="description">One line that says what the plugin does, shown by the plugin listing.</param>
    public WinnowPluginAttribute(PluginKind kind, string name, string description) : base(ContractOf(kind))
    {
        Kind = kind;
        Name = name;
        Description = description;
    }

    /// <summary>What the plugin is.</summary>
    public PluginKind Kind { get; }

    /// <summary>The name a configuration chooses the plugin by.</summary>
    public string Name { get; }

    /// <summary>One line for the plugin listing.</summary>
    public string Description { get; }

    /// <summary>The contract version the plugin was compiled against; leave it at its default.</summary>
    public int ContractVersion { get; set; } = PluginContract.Version;

    /// <summary>The interface a plugin of <paramref name="kind"/> implements and exports.</summary>
    public static Type ContractOf(PluginKind kind) => kind switch
    {
        PluginKind.Model => typeof(IModelPlugin),
        PluginKind.Dataset => typeof(IDatasetPlugin),
        PluginKind.Scorer => typeof(IScorerPlugin),
        PluginKind.Policy => typeof(IPolicyPlugin),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a plugin kind"),
    };
}

/// <summary>The metadata view the host reads from each export (System.Composition needs a concrete class).</summary>
public sealed class PluginMetadata
{
    /// <inheritdoc cref="WinnowPluginAttribute.Kind"/>
    public PluginKind Kind { get; set; }

    /// <inheritdoc cref="WinnowPluginAttribute.Name"/>
    public string Name { get; set; } = "";

    /// <inheritdoc cref="WinnowPluginAttribute.Description"/>
    public string Description { get; set; } = "";

    /// <inheritdoc cref="WinnowPluginAttribute.ContractVersion"/>
    public int ContractVersion { get; set; }
}

/// <summary>What every plugin has in common: the class its options section binds to.</summary>
public interface IPlugin
{
    /// <summary>The options class: public settable properties with defaults, validated with DataAnnotations
    /// (<c>[Range]</c>, <c>[Required]</c>) and, for rules across properties, <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>.
    /// The host binds the plugin's <c>Options</c> section to a new instance, refuses unknown keys, and passes it to the plugin.
    /// Use <see cref="NoOptions"/> when there is nothing to set.</summary>
    /// <remarks>Options that are valid alone but do not fit the run (more warm-up epochs than the run has) are refused in
    /// <c>Create</c> with an <see cref="ArgumentException"/> whose parameter name is <c>options</c>: the host reports it as a
    /// configuration error under the plugin's <c>Options</c> key, not as a plugin failure.</remarks>
    Type OptionsType { get; }
}

/// <summary>The options class of a plugin that has none: any key in its section is refused.</summary>
public sealed class NoOptions;
