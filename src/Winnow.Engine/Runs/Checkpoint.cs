using System.Text.Json;

namespace Winnow.Engine.Runs;

/// <summary>Where a run's checkpoints live and how one is committed: each epoch's files go into a folder of their own,
/// then <c>checkpoint.json</c> is replaced atomically to point at it, then older folders are removed. A kill at any moment
/// leaves either the previous checkpoint or the new one, never half of one.</summary>
public sealed class Checkpoint(string runFolder)
{
    public const string ModelFile = "model.bin";
    public const string OptimizerFile = "optimizer.bin";
    public const string BoardFile = "board.bin";
    public const string PolicyFile = "policy.bin";
    public const string ScorerFile = "scorer.bin";
    public const string RandomFile = "rng.bin";
    public const string StateFile = "state.json";

    private string Root => Path.Combine(runFolder, "checkpoints");
    private string Pointer => Path.Combine(runFolder, "checkpoint.json");

    /// <summary>The folder of the last committed checkpoint, or null when the run has none.</summary>
    /// <exception cref="InvalidDataException">the pointer cannot be read or names a folder that is missing.</exception>
    public string? Latest()
    {
        if (ReadPointer() is not { } pointer) return null;
        if (string.IsNullOrEmpty(pointer.Folder) || pointer.Folder.Contains('/') || pointer.Folder.Contains('\\') || pointer.Folder.StartsWith('.'))
            throw new InvalidDataException($"{Pointer} names '{pointer.Folder}', which is not a checkpoint folder");
        var folder = Path.Combine(Root, pointer.Folder);
        if (!Directory.Exists(folder)) throw new InvalidDataException($"{Pointer} names {folder}, which does not exist");
        return folder;
    }

    /// <summary>Writes a checkpoint for <paramref name="epoch"/> (1-based) with <paramref name="write"/> filling a fresh folder, then commits it.</summary>
    public void Commit(int epoch, Action<string> write)
    {
        var name = $"epoch-{epoch:D4}";
        var staging = Path.Combine(Root, name + ".partial");
        var final = Path.Combine(Root, name);
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        try
        {
            Directory.CreateDirectory(staging);
            write(staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk: give back what the half-written checkpoint took (what is left, the next commit clears first); the
            // committed one is untouched.
            RunFolder.DeleteQuietly(staging);
            throw;
        }
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(staging, final);

        var temp = Pointer + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, new PointerFile(name, epoch), RunFolder.Json);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, Pointer, overwrite: true);

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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return 0;
        }
    }

    /// <summary><c>checkpoint.json</c>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">it is empty or not JSON.</exception>
    private PointerFile? ReadPointer()
    {
        if (!File.Exists(Pointer)) return null;
        try
        {
            return JsonSerializer.Deserialize<PointerFile>(File.ReadAllText(Pointer), RunFolder.Json)
                ?? throw new InvalidDataException($"{Pointer} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Pointer} is not readable ({e.Message}); it was changed by hand or the disk is damaged", e);
        }
    }

    /// <summary>Opens a file of a checkpoint folder for writing, flushed to disk when disposed.</summary>
    public static FileStream Create(string folder, string file) =>
        new DurableStream(Path.Combine(folder, file));

    private sealed record PointerFile(string Folder, int Epoch);

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
