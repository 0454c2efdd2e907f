using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;

namespace Winnow.Host.Commands;

/// <summary><c>winnow plugins</c>: every loaded plugin by kind, with its description, assembly, versions and options
/// (type, default, allowed range and the description from the plugin's XML documentation).</summary>
internal static class PluginsCommand
{
    private const string Under = "                   ";     // below a plugin's name: "  " + 16 + " "
    private const string Row = Under + "  ";

    public static Command Create(Option<string> config)
    {
        var command = new Command("plugins",
            "Lists every plugin in the plugins folder by kind (model, dataset, scorer, policy) with its description, assembly, version and " +
            "contract version, and each option with its default, type, allowed values and description (from the plugin's XML " +
            "documentation). Works without a configuration file.")
        {
            config,
        };
        Overrides.Accept(command);
        command.SetAction(parse => List(ConfigFile.Of(parse, config), Overrides.Of(parse)));
        return command;
    }

    private static int List(ConfigFile config, IReadOnlyList<string> overrides)
    {
        var (settings, baseDirectory) = Settings(config, overrides);
        using var catalog = Cli.LoadPlugins(settings, baseDirectory);
        Write(Console.Out, catalog);
        return Cli.Ok;
    }

    // The listing needs no configuration file: without the default one it lists the default plugins folder
    // (or the one --Plugins:Directory names), so `winnow plugins` works in any folder.
    private static (WinnowSettings Settings, string BaseDirectory) Settings(ConfigFile config, IReadOnlyList<string> overrides)
    {
        if (config.Given || File.Exists(Path.GetFullPath(config.Path)))
        {
            var (settings, saved) = Cli.LoadSettings(config, overrides);
            return (settings, saved.BaseDirectory);
        }
        var raw = new ConfigurationBuilder()
            .AddEnvironmentVariables(SettingsLoader.EnvironmentPrefix)
            .AddCommandLine(overrides.ToArray())
            .Build();
        return (StrictBinder.Bind<WinnowSettings>(raw, ""), Directory.GetCurrentDirectory());
    }

    public static void Write(TextWriter output, PluginCatalog catalog)
    {
        output.WriteLine($"plugins in {catalog.Directory} (contract version {PluginContract.Version}, Winnow {PluginCatalog.HostVersion})");
        output.WriteLine("each option: <Key>=<default>  <type>  <allowed values>  <description>; set one with --Run:<Kind>:Options:<Key>=<value>");
        foreach (var kind in Enum.GetValues<PluginKind>())
        {
            output.WriteLine();
            output.WriteLine($"{PluginCatalog.Label(kind)}:");
            var entries = catalog.Entries.Where(e => e.Kind == kind).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            if (entries.Count == 0) output.WriteLine("  (none)");
            foreach (var e in entries)
            {
                var refused = e.IsCompatible ? "" : $" [refused: built against contract version {e.ContractVersion}, this host implements {PluginContract.Version}]";
                output.WriteLine($"  {e.Name,-16} {e.Description}{refused}");
                output.WriteLine($"{Under}assembly: {Path.GetRelativePath(catalog.Directory, e.AssemblyPath)}, version {e.Version}, contract {e.ContractVersion}");
                if (e.IsCompatible) WriteOptions(output, e);
            }
        }
    }

    private static void WriteOptions(TextWriter output, PluginEntry entry)
    {
        IReadOnlyList<OptionDescription> options;
        try
        {
            options = OptionDescriptions.Of(PluginCatalog.OptionsTypeOf(entry, PluginCatalog.Instantiate(entry)));
        }
        catch (Exception e) when (e is PluginError or MissingMethodException or System.Reflection.TargetInvocationException)
        {
            // One broken plugin must not hide the others.
            output.WriteLine($"{Under}options: not available: {(e is PluginError ? e.Message : PluginCatalog.Describe(e))}");
            return;
        }
        if (options.Count == 0)
        {
            output.WriteLine($"{Under}options: none");
            return;
        }
        output.WriteLine($"{Under}options (--Run:{entry.Kind}:Options:<Key>=<value>):");
        var keyWidth = options.Max(o => o.Name.Length + 1 + o.Default.Length);
        var typeWidth = options.Max(o => o.Type.Length);
        var rangeWidth = options.Max(o => o.Range.Length);
        foreach (var o in options)
        {
            var row = $"{Row}{(o.Name + "=" + o.Default).PadRight(keyWidth)}  {o.Type.PadRight(typeWidth)}  {o.Range.PadRight(rangeWidth)}  {o.Description}";
            output.WriteLine(row.TrimEnd());
        }
    }
}
