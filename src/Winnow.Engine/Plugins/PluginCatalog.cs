using System.Composition;
using System.Composition.Hosting;
using System.Reflection;
using McMaster.NETCore.Plugins;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;

namespace Winnow.Engine.Plugins;

/// <summary>One plugin found in a plugin folder, from the file at <c>AssemblyPath</c>; <c>Create</c> makes its factory object.</summary>
public sealed record PluginEntry(PluginKind Kind, string Name, string Description, int ContractVersion, string AssemblyPath, Type ImplementationType, Func<IPlugin> Create)
{
    /// <summary>Whether the plugin was compiled against the contract version this host implements (<see cref="PluginContract.Version"/>).</summary>
    public bool IsCompatible => ContractVersion == PluginContract.Version;

    /// <summary>The plugin assembly's version (its informational version without the source revision), for messages and the listing.</summary>
    public string Version => PluginCatalog.VersionOf(ImplementationType.Assembly);

    /// <summary>The plugin assembly's simple name.</summary>
    public string AssemblyName => ImplementationType.Assembly.GetName().Name ?? Path.GetFileNameWithoutExtension(AssemblyPath);
}

/// <summary>Loads every plugin folder under a directory, each in its own load context, and composes them with MEF.</summary>
/// <remarks>The contracts, TorchSharp and System.Composition are shared with the host: a plugin that brought its own copy
/// of the contracts would export types the host cannot see, and a second libtorch aborts the process.</remarks>
public sealed class PluginCatalog : IDisposable
{
    private static readonly Type[] SharedTypes = [typeof(IPlugin), typeof(torch), typeof(ExportAttribute)];

    private readonly List<PluginLoader> _loaders;
    private readonly List<CompositionHost> _containers;

    // Assemblies refused before loading because they need a newer contract: a run that names one of their plugins is told why it is missing.
    private readonly List<string> _tooNew;

    private PluginCatalog(string directory, List<PluginEntry> entries, List<string> problems, List<string> tooNew, List<PluginLoader> loaders,
                          List<CompositionHost> containers)
    {
        Directory = directory;
        Entries = entries;
        Problems = problems;
        _tooNew = tooNew;
        _loaders = loaders;
        _containers = containers;
    }

    /// <summary>The folder the plugins were loaded from.</summary>
    public string Directory { get; }

    /// <summary>Every plugin found, by kind and name.</summary>
    public IReadOnlyList<PluginEntry> Entries { get; }

    /// <summary>Folders that were skipped and why (no plugin in them, a broken assembly).</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Loads <c>&lt;directory&gt;/&lt;Name&gt;/&lt;Name&gt;.dll</c> for every sub-folder.</summary>
    /// <exception cref="PluginError">the directory does not exist or is not a folder, or two plugins of one kind share a name.</exception>
    public static PluginCatalog Load(string directory)
    {
        directory = Path.GetFullPath(directory);
        var kind = UserPaths.KindOf(directory);
        if (kind == PathKind.Missing)
            throw new PluginError($"plugins directory not found: {directory} (set Plugins:Directory, or build the solution to create it)");
        if (kind != PathKind.Directory)
            throw new PluginError($"Plugins:Directory {directory} is {UserPaths.Describe(kind)}; expected the folder that holds one folder per plugin");

        var entries = new List<PluginEntry>();
        var problems = new List<string>();
        var tooNew = new List<string>();
        var loaders = new List<PluginLoader>();
        var containers = new List<CompositionHost>();
        // A DLL dropped straight into the plugins directory is the most likely slip of a plugin author: say where it belongs.
        foreach (var loose in System.IO.Directory.GetFiles(directory, "*.dll").Order(StringComparer.Ordinal))
            problems.Add($"{loose}: skipped, a plugin is not loaded from the plugins directory itself; put it and its own files in a folder of " +
                         $"its name: {Path.Combine(directory, Path.GetFileNameWithoutExtension(loose), Path.GetFileName(loose))}");
        foreach (var folder in System.IO.Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            var dll = Path.Combine(folder, name + ".dll");
            if (!File.Exists(dll))
            {
                problems.Add($"{folder}: skipped, no plugin assembly {name}.dll in it (a plugin folder holds <Name>/<Name>.dll)");
                continue;
            }
            if (PluginAssemblyCheck.HostFilesProblem(folder) is { } carried) problems.Add(carried);
            if (PluginAssemblyCheck.ContractProblem(dll) is { } contract)
            {
                problems.Add($"{dll}: {contract}");
                tooNew.Add($"{dll} was {contract}");
                continue;
            }
            try
            {
                var loader = PluginLoader.CreateFromAssemblyFile(dll, SharedTypes, config => config.PreferSharedTypes = true);
                loaders.Add(loader);
                var assembly = loader.LoadDefaultAssembly();
                var container = new ContainerConfiguration().WithAssembly(assembly).CreateContainer();
                containers.Add(container);
                var found = Discover(container, assembly, dll);
                if (found.Count == 0)
                    problems.Add($"{dll}: skipped, it exports no Winnow plugin (was it built against another copy of Winnow.Abstractions or System.Composition?)");
                entries.AddRange(found);
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException or CompositionFailedException or InvalidOperationException)
            {
                problems.Add($"{dll}: skipped, it could not be loaded: {Describe(e)}");
            }
        }

        var duplicates = entries.GroupBy(e => (e.Kind, Name: e.Name.ToLowerInvariant())).Where(g => g.Count() > 1).ToList();
        if (duplicates.Count > 0)
        {
            throw new PluginError(string.Join(Environment.NewLine, duplicates.Select(g =>
                $"two {g.Key.Kind.ToString().ToLowerInvariant()} plugins are named '{g.First().Name}': " +
                string.Join(" and ", g.Select(e => $"{e.ImplementationType.FullName} in {e.AssemblyPath}")) + "; remove or rename one")));
        }
        return new PluginCatalog(directory, entries, problems, tooNew, loaders, containers);
    }

    private static List<PluginEntry> Discover(CompositionHost container, Assembly assembly, string dll) =>
    [
        .. Discover<IModelPlugin>(container, PluginKind.Model, assembly, dll),
        .. Discover<IDatasetPlugin>(container, PluginKind.Dataset, assembly, dll),
        .. Discover<IScorerPlugin>(container, PluginKind.Scorer, assembly, dll),
        .. Discover<IPolicyPlugin>(container, PluginKind.Policy, assembly, dll),
    ];

    private static IEnumerable<PluginEntry> Discover<T>(CompositionHost container, PluginKind kind, Assembly assembly, string dll) where T : IPlugin
    {
        foreach (var export in container.GetExports<ExportFactory<T, PluginMetadata>>())
        {
            var metadata = export.Metadata;
            // The exporting class, for messages, found from its attribute rather than by creating the part.
            var implementation = assembly.GetTypes().FirstOrDefault(t =>
                t.GetCustomAttribute<WinnowPluginAttribute>() is { } a && a.ContractType == typeof(T) && a.Name == metadata.Name) ?? typeof(T);
            yield return new PluginEntry(kind, metadata.Name, metadata.Description, metadata.ContractVersion, dll, implementation,
                () =>
                {
                    // The export handle is not disposed: the plugin lives as long as the catalog's container.
                    var handle = export.CreateExport();
                    return handle.Value;
                });
        }
    }

    /// <summary>The plugin of <paramref name="kind"/> called <paramref name="name"/>.</summary>
    /// <exception cref="ConfigurationError">none has that name (the message lists those that exist).</exception>
    /// <exception cref="PluginError">it was built against another contract version.</exception>
    public PluginEntry Find(PluginKind kind, string name, string configKey)
    {
        var entry = Entries.FirstOrDefault(e => e.Kind == kind && string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
        if (entry is null)
        {
            var available = Entries.Where(e => e.Kind == kind).Select(e => e.Name).Order().ToList();
            var list = available.Count == 0
                ? $"no {Label(kind)} plugin is loaded at all from {Directory}"
                : $"available {Label(kind)} plugins: {string.Join(", ", available)}";
            if (_tooNew.Count > 0) list += "; " + string.Join("; ", _tooNew);
            if (name.Length == 0) throw new ConfigurationError($"{configKey}: no {Label(kind)} plugin chosen; {list}");
            throw new ConfigurationError($"{configKey}: unknown {Label(kind)} plugin '{name}'; {list}");
        }
        if (!entry.IsCompatible) throw new PluginError(Incompatibility(entry));
        return entry;
    }

    /// <summary>Why an incompatible plugin is refused: the plugin, its assembly and version, the contract version it was built
    /// against, and the one this host implements.</summary>
    public static string Incompatibility(PluginEntry entry) =>
        $"{Label(entry.Kind)} plugin '{entry.Name}' ({entry.AssemblyName} {entry.Version}, {entry.AssemblyPath}) was built against " +
        $"Winnow contract version {entry.ContractVersion}, but this host (Winnow {HostVersion}) implements contract version {PluginContract.Version}; " +
        $"rebuild the plugin against Winnow.Abstractions {HostVersion}";

    /// <summary>The version of the contracts this host shares with its plugins (the Winnow.Abstractions package version).</summary>
    public static string HostVersion => VersionOf(typeof(IPlugin).Assembly);

    /// <summary>An assembly's informational version without the "+revision" suffix, else its assembly version.</summary>
    public static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational)) return informational.Split('+')[0];
        return assembly.GetName().Version?.ToString() ?? "unknown";
    }

    /// <summary>Creates the plugin's factory object; a constructor that throws is reported with the plugin's name.</summary>
    public static IPlugin Instantiate(PluginEntry entry)
    {
        try
        {
            return entry.Create();
        }
        catch (Exception e)
        {
            throw Failure(entry, "its constructor", e);
        }
    }

    /// <summary>The plugin's options class, checked: a getter that throws, returns null, or names a class the binder cannot create
    /// is reported with the plugin's name.</summary>
    public static Type OptionsTypeOf(PluginEntry entry, IPlugin plugin)
    {
        Type? type;
        try
        {
            type = plugin.OptionsType;
        }
        catch (Exception e)
        {
            throw Failure(entry, "OptionsType", e);
        }
        if (type is null || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
            throw new PluginError($"{Named(entry)}: OptionsType must be a concrete class with a public parameterless constructor, " +
                                  $"got {type?.FullName ?? "null"} (use NoOptions when there is nothing to set)");
        return type;
    }

    /// <summary>The plugin as every message names it: kind, name and file.</summary>
    public static string Named(PluginEntry entry) => $"{Label(entry.Kind)} plugin '{entry.Name}' ({entry.AssemblyPath})";

    /// <summary>A plugin's code threw: the error names the plugin, its file and the call that failed (with where, e.g. "Plan (epoch 3)").</summary>
    public static PluginError Failure(PluginEntry entry, string call, Exception e) =>
        new($"{Named(entry)} failed in {call}: {Describe(e)}", e);

    /// <summary>A plugin's call returned something the contract does not allow: the error names the plugin, its file, the call and the problem.</summary>
    public static PluginError Broken(PluginEntry entry, string call, string problem) =>
        new($"{Named(entry)}: {call} {problem}");

    public static string Label(PluginKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The innermost useful message of a (reflection-wrapped) exception.</summary>
    public static string Describe(Exception e)
    {
        while (e is TargetInvocationException or CompositionFailedException && e.InnerException is not null) e = e.InnerException;
        if (e is ReflectionTypeLoadException r)
            return string.Join("; ", r.LoaderExceptions.Where(x => x is not null).Select(x => x!.Message).Distinct());
        return $"{e.GetType().Name}: {e.Message}";
    }

    public void Dispose()
    {
        foreach (var c in _containers) c.Dispose();
        foreach (var l in _loaders) l.Dispose();
    }
}
