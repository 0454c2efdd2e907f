using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Winnow.Engine.Plugins;

/// <summary>What can be told about a plugin folder before its assembly is loaded: the contract version it was compiled against, and
/// whether it carries copies of the assemblies the host shares with every plugin.</summary>
/// <remarks>The contracts' assembly version is the contract version (<c>2.0.0.0</c> for contract 2, whatever the package's version),
/// so a plugin built against any package of this contract binds to the host's copy. One built against a newer contract references a
/// version the host does not have; loading it would fail with "Could not load file or assembly", which says nothing useful, so the
/// reference is read from the file's metadata first.</remarks>
internal static class PluginAssemblyCheck
{
    private const string Contracts = "Winnow.Abstractions";

    /// <summary>Why <paramref name="dll"/> cannot be loaded by this host, or null when its contracts reference can be satisfied (or it
    /// references none: the catalog then says it exports no plugin).</summary>
    public static string? ContractProblem(string dll)
    {
        Version? needed;
        try
        {
            using var stream = File.OpenRead(dll);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) return null;
            var reader = pe.GetMetadataReader();
            needed = reader.AssemblyReferences.Select(reader.GetAssemblyReference)
                .Where(r => reader.GetString(r.Name) == Contracts).Select(r => r.Version).FirstOrDefault();
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or IOException)
        {
            // Not a .NET assembly: the loader says so in its own words.
            return null;
        }
        var host = typeof(IPlugin).Assembly.GetName().Version!;
        if (needed is null || needed.Major <= host.Major) return null;
        return $"skipped, it was built against Winnow contract version {needed.Major} (Winnow.Abstractions {needed}), but this host " +
               $"(Winnow {PluginCatalog.HostVersion}) implements contract version {PluginContract.Version}; rebuild the plugin against " +
               $"Winnow.Abstractions {PluginCatalog.HostVersion}, or use a host that implements contract {needed.Major}";
    }

    /// <summary>Files of a plugin folder that are the host's own (the contracts, TorchSharp and its libtorch, System.Composition,
    /// the plugin loader). The host never loads them from there, since it shares its own copies, so they only cost disk and
    /// confuse; the warning names them and their size.</summary>
    public static string? HostFilesProblem(string folder)
    {
        var files = System.IO.Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => IsHostFile(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) return null;
        var bytes = files.Sum(f => new FileInfo(f).Length);
        var names = files.Select(f => Path.GetRelativePath(folder, f)).ToList();
        var shown = string.Join(", ", names.Take(6)) + (names.Count > 6 ? $" and {names.Count - 6} more" : "");
        return $"{folder}: carries {files.Count} of the host's own files ({shown}; {bytes / 1e6:F1} MB), which are never used: the host " +
               "shares its own copies with every plugin. Reference Winnow.Abstractions, TorchSharp and System.Composition with " +
               "ExcludeAssets=\"runtime;native\" (as the templates do) and rebuild";
    }

    private static bool IsHostFile(string name) =>
        name.Equals(Contracts + ".dll", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase) && name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("System.Composition", StringComparison.OrdinalIgnoreCase) && name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("McMaster.NETCore.Plugins", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("libLibTorchSharp", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("libc10", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("torch_cpu", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("torch_cuda", StringComparison.OrdinalIgnoreCase);
}
