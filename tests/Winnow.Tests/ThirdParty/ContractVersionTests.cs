using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Winnow.Tests.Integration;
using Winnow.Tests.Reliability;

namespace Winnow.Tests.ThirdParty;

/// <summary>A plugin built against a newer contract, or one that carries the host's own assemblies, is named by the host before it is
/// loaded: in <c>winnow plugins</c> and in a run.</summary>
[TestClass]
public sealed class ContractVersionTests
{
    private const string Policies = "Winnow.Plugins.Policies";

    [TestMethod]
    public void TheContractsAssemblyVersionIsTheContractVersion()
    {
        var version = typeof(IPlugin).Assembly.GetName().Version!;
        Assert.AreEqual(new Version(PluginContract.Version, 0, 0, 0), version,
            "Directory.Build.props's ContractVersion and PluginContract.Version are raised together");
    }

    /// <summary>A plugins folder that is a copy of the host's, its policies assembly rewritten to reference the contracts at
    /// <paramref name="major"/>.0.0.0: exactly what compiling against that contract's package leaves in the file's metadata.</summary>
    private static string PluginsWithPoliciesBuiltFor(TempFolder work, ushort major)
    {
        var plugins = work.Combine("plugins");
        TempFolder.CopyDirectory(TestPaths.PluginsDirectory, plugins);
        var dll = Path.Combine(plugins, Policies, Policies + ".dll");
        var bytes = File.ReadAllBytes(dll);
        int offset;
        using (var pe = new PEReader(new MemoryStream(bytes)))
        {
            var reader = pe.GetMetadataReader();
            var row = reader.AssemblyReferences.Select((handle, i) => (Reference: reader.GetAssemblyReference(handle), Row: i))
                .Single(r => reader.GetString(r.Reference.Name) == "Winnow.Abstractions").Row;
            // An AssemblyRef row begins with its version's major number (ECMA-335 II.22.5).
            offset = pe.PEHeaders.MetadataStartOffset + reader.GetTableMetadataOffset(TableIndex.AssemblyRef) + row * reader.GetTableRowSize(TableIndex.AssemblyRef);
        }
        BitConverter.TryWriteBytes(bytes.AsSpan(offset, 2), major);
        File.WriteAllBytes(dll, bytes);
        return dll;
    }

    [TestMethod]
    public void APluginBuiltAgainstANewerContractIsNamedWithBothVersionsInTheListingAndInARun()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);
        var dll = PluginsWithPoliciesBuiltFor(work, PluginContract.Version + 1);
        var expected = $"{dll}: skipped, it was built against Winnow contract version {PluginContract.Version + 1} (Winnow.Abstractions " +
                       $"{PluginContract.Version + 1}.0.0.0), but this host";

        var listing = FaultHost.Run(work.Path, "plugins", $"--Plugins:Directory={work.Combine("plugins")}");
        Assert.AreEqual(0, listing.ExitCode, listing.ToString());
        StringAssert.Contains(listing.Error, "warning: " + expected, listing.ToString());
        StringAssert.Contains(listing.Error, $"implements contract version {PluginContract.Version}", listing.ToString());
        Assert.DoesNotContain("Could not load file or assembly", listing.Error, listing.ToString());

        var run = FaultHost.Run(work.Path, $"--Plugins:Directory={work.Combine("plugins")}", "--Run:Epochs=1");
        Assert.AreNotEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, "unknown policy plugin", run.ToString());
        StringAssert.Contains(run.Error, $"{dll} was skipped, it was built against Winnow contract version {PluginContract.Version + 1}", run.ToString());
    }

    [TestMethod]
    public void APluginBuiltAgainstAnOlderPackageOfThisContractLoads()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);
        // Packages before the assembly version became the contract version (0.2.0 and older) left references below 2.0.0.0: the
        // loader binds them to the host's copy, and the contract version the plugin's attribute records is what the host checks.
        PluginsWithPoliciesBuiltFor(work, 0);
        var listing = FaultHost.Run(work.Path, "plugins", $"--Plugins:Directory={work.Combine("plugins")}");
        Assert.AreEqual(0, listing.ExitCode, listing.ToString());
        Assert.DoesNotContain("warning", listing.Error, listing.ToString());
        StringAssert.Contains(listing.Output, "random-dynamic", listing.ToString());
    }

    [TestMethod]
    public void APluginFolderCarryingTheHostsAssembliesIsNamedWithTheFiles()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);
        var plugins = work.Combine("plugins");
        TempFolder.CopyDirectory(TestPaths.PluginsDirectory, plugins);
        var folder = Path.Combine(plugins, Policies);
        var host = Path.GetDirectoryName(TestPaths.HostDll)!;
        foreach (var file in new[] { "TorchSharp.dll", "Winnow.Abstractions.dll" }) File.Copy(Path.Combine(host, file), Path.Combine(folder, file));

        var listing = FaultHost.Run(work.Path, "plugins", $"--Plugins:Directory={plugins}");
        Assert.AreEqual(0, listing.ExitCode, listing.ToString());
        StringAssert.Contains(listing.Error, $"warning: {folder}: carries 2 of the host's own files (TorchSharp.dll, Winnow.Abstractions.dll;", listing.ToString());
        StringAssert.Contains(listing.Output, "random-dynamic", "the plugin still loads, with the host's copies");

        var run = FaultHost.Run(work.Path, $"--Plugins:Directory={plugins}", "--Run:Epochs=1");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, $"warning: {folder}: carries 2 of the host's own files", run.ToString());
    }
}
