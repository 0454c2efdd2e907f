using System.Text.Json;

namespace Winnow.Engine.Plugins;

/// <summary>Keeps the last dataset a run opened, so that the next run of the same process (a sweep, a benchmark) with the same
/// dataset configuration trains on the same tensors instead of reading the files again.</summary>
/// <remarks>Two runs share data only when everything the dataset plugin is handed is equal: the plugin (name and assembly),
/// its bound options, the folder relative paths start from, and the run's seed (a dataset may draw from it, as
/// <c>synthetic</c> does). Only the latest dataset is kept: a different one disposes it, so a sweep that orders its runs by
/// dataset holds one in memory at a time. The engine never writes into a dataset's tensors (a batch is a gather), so
/// sharing them changes no result; runs that share data dispose nothing of it, the cache does.</remarks>
public sealed class DatasetCache : IDisposable
{
    private string? _key;
    private Dataset? _data;

    /// <summary>How many times a dataset was really opened (not taken from the cache).</summary>
    public int Opened { get; private set; }

    /// <summary>How many times a run was handed the dataset already open.</summary>
    public int Reused { get; private set; }

    /// <summary>The dataset <paramref name="dataset"/> opens with <paramref name="context"/>: the kept one when it has the same
    /// key, else a fresh one from <paramref name="open"/> (which then replaces the kept one). The cache owns what it returns.</summary>
    public Dataset Open(ChosenPlugin dataset, DatasetContext context, Func<Dataset> open)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var key = KeyOf(dataset, context);
        if (_data is not null && string.Equals(_key, key, StringComparison.Ordinal))
        {
            Reused++;
            return _data;
        }
        Release();
        var data = open();
        Opened++;
        _data = data;
        _key = key;
        return data;
    }

    /// <summary>What identifies an opened dataset: plugin, assembly, options, base folder and seed.</summary>
    public static string KeyOf(ChosenPlugin dataset, DatasetContext context) =>
        string.Join('\n', dataset.Entry.Name, dataset.Entry.AssemblyPath, JsonSerializer.Serialize(dataset.Options, dataset.Options.GetType()),
            Path.GetFullPath(context.BaseDirectory), context.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private bool _disposed;

    private void Release()
    {
        _data?.Dispose();
        _data = null;
        _key = null;
    }

    public void Dispose()
    {
        Release();
        _disposed = true;
    }
}
