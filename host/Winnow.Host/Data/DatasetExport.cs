using Winnow.Engine.Configuration;
using Winnow.Engine.Data;
using Winnow.Engine.Plugins;

namespace Winnow.Host.Data;

/// <summary>Writes what a dataset plugin opens (IDX files through <c>fashion-mnist</c> or <c>mnist</c>, CIFAR files through
/// <c>cifar10</c> or <c>cifar100</c>, or any plugin that stores bytes) into a data file: its splits, class names and normalisation.</summary>
internal static class DatasetExport
{
    public static int Run(string pluginName, string output, WinnowSettings settings, string baseDirectory, PluginCatalog catalog, TextWriter log)
    {
        var dataset = RunComposer.Choose(settings.Run, catalog).Dataset;
        log.WriteLine($"reading {pluginName} …");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var data = ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, new DatasetContext(baseDirectory, settings.Run.Seed));
        var header = DataFileExport.Write(data, output, $"dataset plugin {pluginName} ({dataset.Entry.AssemblyPath})", line => log.WriteLine($"  {line}"));
        log.WriteLine($"imported {header.Train:N0} train and {header.Test:N0} test records of {header.Classes.Count} classes, [{string.Join(", ", header.Shape)}], in {clock.Elapsed.TotalSeconds:F1}s: {Path.GetFullPath(output)}");
        return Cli.Ok;
    }
}
