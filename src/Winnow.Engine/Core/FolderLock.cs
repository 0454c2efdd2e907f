namespace Winnow.Engine.Core;

/// <summary>The one lock Winnow takes on a folder: an exclusive advisory lock (<c>flock</c> on Unix, a sharing lock on Windows) on a
/// marker file in it, held until disposed or until the process ends, however it ends (the operating system drops the lock).</summary>
public static class FolderLock
{
    /// <summary>Takes the lock on <paramref name="marker"/>, creating the file when missing.</summary>
    /// <param name="busy">What the error says when another process holds it: what the folder is being used for and what to do.</param>
    /// <exception cref="StorageError">another process holds it (the message is <paramref name="busy"/>), or it cannot be written.</exception>
    public static IDisposable Take(string marker, string busy) => TryTake(marker) ?? throw new StorageError(busy);

    /// <summary>Takes the lock on <paramref name="marker"/>, or returns null when another process holds it.</summary>
    /// <exception cref="StorageError">the marker cannot be written.</exception>
    public static IDisposable? TryTake(string marker)
    {
        try
        {
            return new FileStream(marker, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StorageError($"cannot write to {Path.GetDirectoryName(marker)}: {Storage.Reason(e)}", e);
        }
        catch (IOException e) when (File.Exists(marker) && !Storage.IsFull(e) && !Storage.IsReadOnly(e))
        {
            return null;
        }
        catch (IOException e)
        {
            throw new StorageError($"cannot write to {Path.GetDirectoryName(marker)}: {Storage.Reason(e)}", e);
        }
    }

    /// <summary>Takes the lock on <paramref name="marker"/>, waiting while other processes hold it: for locks held for the moment
    /// of a read-modify-write, never for long.</summary>
    /// <exception cref="StorageError">it was still held after <paramref name="patience"/> (the message names the file), or it cannot be written.</exception>
    public static IDisposable Wait(string marker, TimeSpan patience)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (TryTake(marker) is { } taken) return taken;
            if (clock.Elapsed > patience)
                throw new StorageError($"{marker} stayed locked by another process for {patience.TotalSeconds:F0}s; if no winnow is running on {Path.GetDirectoryName(marker)}, the file system's locks are broken (on NFS, mount with locking)");
            Thread.Sleep(Random.Shared.Next(10, 50));
        }
    }
}
