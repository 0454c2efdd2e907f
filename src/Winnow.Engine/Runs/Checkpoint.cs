using System.Text.Json;
using Winnow.Engine.Core;
using Winnow.Engine.Training;

namespace Winnow.Engine.Runs;

/// <summary>Where a run's checkpoints live and how one is committed: each epoch's parts go into a folder of their own, then the
/// pointer file is replaced atomically to point at it, then older folders are removed. A kill at any moment leaves either the
/// previous checkpoint or the new one, never half of one.</summary>
public sealed class Checkpoint(RunFolder run)
{
    /// <summary>What the run folder keeps beside the tensors, in every checkpoint: the finished epochs' metrics and the wall-clock so far.</summary>
    public const string StatePart = "state.json";

    private string Root => run.File(RunFolder.CheckpointsFolder);
    private string Pointer => run.File(RunFolder.CheckpointPointerFile);

    /// <summary>The last committed checkpoint, or null when the run has none.</summary>
    /// <exception cref="StorageError">the pointer cannot be read or names a folder that is missing.</exception>
    public ICheckpointStore? Latest()
    {
        if (ReadPointer() is not { } pointer) return null;
        if (string.IsNullOrEmpty(pointer.Folder) || pointer.Folder.Contains('/') || pointer.Folder.Contains('\\') || pointer.Folder.StartsWith('.'))
            throw new StorageError($"{Pointer} names '{pointer.Folder}', which is not a checkpoint folder");
        var folder = Path.Combine(Root, pointer.Folder);
        if (!Directory.Exists(folder)) throw new StorageError($"{Pointer} names {folder}, which does not exist");
        return new FolderStore(folder, create: false);
    }

    /// <summary>Writes a checkpoint for <paramref name="epoch"/> (1-based) with <paramref name="write"/> filling a fresh store, then commits it.</summary>
    public void Commit(int epoch, Action<ICheckpointStore> write)
    {
        var name = $"epoch-{epoch:D4}";
        var staging = Path.Combine(Root, name + ".partial");
        var final = Path.Combine(Root, name);
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        try
        {
            Directory.CreateDirectory(staging);
            write(new FolderStore(staging, create: true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk: give back what the half-written checkpoint took (what is left, the next commit clears first); the
            // committed one is untouched.
            Storage.DeleteQuietly(staging);
            throw;
        }
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(staging, final);
        Storage.WriteAtomically(Pointer, JsonSerializer.Serialize(new PointerFile(name, epoch), JsonFormat.Options));
        foreach (var old in Directory.GetDirectories(Root).Where(d => !string.Equals(d, final, StringComparison.Ordinal)))
            Directory.Delete(old, recursive: true);
    }

    /// <summary>The epoch (1-based) of the last committed checkpoint, or 0 when there is none or its pointer cannot be read.</summary>
    public int LatestEpoch()
    {
        try
        {
            return ReadPointer()?.Epoch ?? 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageError)
        {
            return 0;
        }
    }

    /// <summary>The pointer file, or null when there is none.</summary>
    /// <exception cref="StorageError">it is empty or not JSON.</exception>
    private PointerFile? ReadPointer()
    {
        if (!File.Exists(Pointer)) return null;
        try
        {
            return JsonSerializer.Deserialize<PointerFile>(File.ReadAllText(Pointer), JsonFormat.Options)
                ?? throw new StorageError($"{Pointer} is empty");
        }
        catch (JsonException e)
        {
            throw new StorageError($"{Pointer} is not readable ({e.Message}); it was changed by hand or the disk is damaged", e);
        }
    }

    private sealed record PointerFile(string Folder, int Epoch);

    /// <summary>A checkpoint folder: one file per part, each flushed to disk when closed.</summary>
    private sealed class FolderStore(string folder, bool create) : ICheckpointStore
    {
        public string Name => folder;

        public Stream Create(string part)
        {
            if (!create) throw new InvalidOperationException($"{folder} is a committed checkpoint; it is never written again");
            return new DurableStream(Path.Combine(folder, part));
        }

        public Stream Open(string part)
        {
            var path = Path.Combine(folder, part);
            if (!File.Exists(path)) throw new InvalidDataException($"{folder}: the checkpoint has no {part}");
            return File.OpenRead(path);
        }

        public bool Has(string part) => File.Exists(Path.Combine(folder, part));
    }

    // Writers such as Module.save close the stream themselves; the first close flushes to disk, later ones do nothing.
    private sealed class DurableStream(string path) : FileStream(path, FileMode.CreateNew, FileAccess.Write)
    {
        private bool _closed;

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed) Flush(flushToDisk: true);
            _closed = true;
            base.Dispose(disposing);
        }
    }
}
