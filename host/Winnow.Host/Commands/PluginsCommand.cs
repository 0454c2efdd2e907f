using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;

namespace Winnow.Host.Commands;

/// <summary><c>winnow plugins</c>: every loaded plugin by kind, with its description, assembly and options.</summary>
internal static class PluginsCommand
{
    public static int List(CommandLine line)
    {
        if (line.Target is not null) return Cli.Fail(Cli.BadInput, $"unexpected argument '{line.Target}'");
        var (settings, saved) = Cli.LoadSettings(line);
        using var catalog = Cli.LoadPlugins(settings, saved.BaseDirectory);
        var output = Console.Out;
        output.WriteLine($"plugins in {catalog.Directory}");
        foreach (var kind in Enum.GetValues<PluginKind>())
        {
            output.WriteLine();
            output.WriteLine($"{PluginCatalog.Label(kind)}:");
            var entries = catalog.Entries.Where(e => e.Kind == kind).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            if (entries.Count == 0) output.WriteLine("  (none)");
            foreach (var e in entries)
            {
                var version = e.IsCompatible ? "" : $" [refused: contract version {e.ContractVersion}, host has {PluginContract.Version}]";
                output.WriteLine($"  {e.Name,-16} {e.Description}{version}");
                output.WriteLine($"  {"",-16} assembly: {Path.GetRelativePath(catalog.Directory, e.AssemblyPath)}");
                var options = OptionsLine(e);
                if (options.Length > 0) output.WriteLine($"  {"",-16} options: {options}");
            }
        }
        return Cli.Ok;
    }

    private static string OptionsLine(PluginEntry entry)
    {
        if (!entry.IsCompatible) return "";
        var plugin = PluginCatalog.Instantiate(entry);
        var defaults = Activator.CreateInstance(plugin.OptionsType);
        return string.Join(", ", StrictBinder.Keys(plugin.OptionsType).Select(p => $"{p.Name}={StrictBinder.Format(p.GetValue(defaults))}"));
    }
}
