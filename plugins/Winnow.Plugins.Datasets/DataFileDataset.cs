using Winnow.DataFiles;
using static TorchSharp.torch;

namespace Winnow.Plugins.Datasets;

/// <summary>Options of <see cref="DataFileDatasetPlugin"/>: <see cref="ImageDatasetOptions.Path"/> names the data file.</summary>
public sealed class DataFileOptions() : ImageDatasetOptions("data.wds", augment: false, horizontalFlip: false);

/// <summary>A Winnow data file (<c>winnow data import</c>): fixed-size uint8 records and their labels behind a checked header.</summary>
/// <remarks>The records are never read whole: the split tensors are views of a memory map of the file, so a batch is an index gather
/// whose pages come from the page cache, and a file larger than memory trains with the resident memory of the pages in use. Only the
/// labels (two bytes a record) are read, to check them and to hand the engine its int64 labels.</remarks>
[WinnowPlugin(PluginKind.Dataset, "data-file", "A Winnow data file (winnow data import): uint8 records memory-mapped, never read whole; the header's classes and normalisation")]
public sealed class DataFileDatasetPlugin : DatasetPlugin<DataFileOptions>
{
    /// <inheritdoc/>
    protected override Dataset Open(DataFileOptions options, DatasetContext context)
    {
        var path = System.IO.Path.GetFullPath(options.Path, context.BaseDirectory);
        var kind = UserPaths.KindOf(path);
        if (kind == PathKind.Missing) throw new FileNotFoundException($"data file not found: {path} (Run:Dataset:Options:Path); make one with winnow data import", path);
        if (kind != PathKind.File) throw new InvalidDataException($"data file {path} is {UserPaths.Describe(kind)}; set Run:Dataset:Options:Path to a file made by winnow data import");
        var layout = DataFile.Open(path);
        var labels = DataFile.ReadLabels(layout);
        var header = layout.Header;
        LabeledData? train = null, test = null;
        try
        {
            using var scope = NewDisposeScope();
            var file = Map(path, layout.FileLength);
            var shape = header.Shape.Select(d => (long)d).ToArray();
            LabeledData Split(long offset, long start, long count, int limit)
            {
                var n = limit == 0 ? count : Math.Min(limit, count);
                var records = file.narrow(0, offset, n * header.RecordBytes).view([n, .. shape]);
                var own = tensor(labels.AsSpan((int)start, (int)n).ToArray().Select(l => (long)l).ToArray());
                return new LabeledData(records.DetachFromDisposeScope(), own.DetachFromDisposeScope(), new Normalization(header.Mean, header.Std));
            }
            train = Split(layout.TrainOffset, 0, header.Train, options.TrainLimit);
            test = Split(layout.TestOffset, header.Train, header.Test, options.TestLimit);
            return new Dataset(train, test, header.Classes) { Augmentation = options.CreateAugmentation() };
        }
        catch
        {
            train?.Dispose();
            test?.Dispose();
            throw;
        }
    }

    // Linux charges a private map of a file to the process's commit, and under its default overcommit refuses one larger than the
    // machine's memory, which is the case this format exists for; a shared map is charged nothing. libtorch maps shared files
    // read-write, so a shared map needs a writable file; nothing writes to it (the engine only gathers batches from it). A read-only
    // file is mapped privately, which works while it is smaller than the memory.
    private static Tensor Map(string path, long length)
    {
        var writable = IsWritable(path);
        try
        {
            var map = from_file(path, shared: writable, size: length, dtype: ScalarType.Byte);
            RandomReads.Advise(path);
            return map;
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (e.Message.Contains("Cannot allocate memory", StringComparison.Ordinal))
        {
            throw new InvalidDataException(writable
                ? $"data file {path} ({length / 1e9:F1} GB) could not be memory-mapped: the system refused the address space ({e.Message.Split('\n')[0]})"
                : $"data file {path} ({length / 1e9:F1} GB) is read-only and larger than a private memory map may be here; make it writable " +
                  "(chmod u+w) so that it is mapped shared, which the system does not charge to the process's memory");
        }
    }

    private static bool IsWritable(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
