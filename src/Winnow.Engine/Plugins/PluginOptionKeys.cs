using Winnow.Engine.Configuration;

namespace Winnow.Engine.Plugins;

/// <summary>The option keys plugins declare, for the rule that skips a varied option the chosen plugin lacks.</summary>
public interface IPluginOptionKeys
{
    /// <summary>The option keys of the plugin of <paramref name="kind"/> named <paramref name="name"/>, or null when no such plugin is loaded.</summary>
    IReadOnlyCollection<string>? Of(PluginKind kind, string name);

    /// <summary>Every option key of every loaded plugin of <paramref name="kind"/>.</summary>
    IReadOnlyCollection<string> AnyOf(PluginKind kind);
}

/// <summary>The option keys of the plugins in a catalog.</summary>
public sealed class CatalogOptionKeys(PluginCatalog catalog) : IPluginOptionKeys
{
    private readonly Dictionary<PluginEntry, string[]> _keys = [];

    public IReadOnlyCollection<string>? Of(PluginKind kind, string name)
    {
        var entry = catalog.Entries.FirstOrDefault(e => e.Kind == kind && e.IsCompatible && string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
        return entry is null ? null : KeysOf(entry);
    }

    /// <summary>The names of the loaded plugins of <paramref name="kind"/> that declare the option <paramref name="key"/>.</summary>
    public IReadOnlyList<string> OwnersOf(PluginKind kind, string key) =>
        catalog.Entries.Where(e => e.Kind == kind && e.IsCompatible && KeysOf(e).Contains(key, StringComparer.OrdinalIgnoreCase))
            .Select(e => e.Name).Order(StringComparer.Ordinal).ToList();

    public IReadOnlyCollection<string> AnyOf(PluginKind kind) =>
        catalog.Entries.Where(e => e.Kind == kind && e.IsCompatible).SelectMany(KeysOf).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    private string[] KeysOf(PluginEntry entry)
    {
        if (!_keys.TryGetValue(entry, out var keys))
            _keys[entry] = keys = StrictBinder.Keys(PluginCatalog.OptionsTypeOf(entry, PluginCatalog.Instantiate(entry))).Select(p => p.Name).ToArray();
        return keys;
    }
}
