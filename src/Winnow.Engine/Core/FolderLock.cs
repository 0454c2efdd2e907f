namespace Winnow.Engine.Core;

/// <summary>The one lock Winnow takes on a folder: an exclusive advisory lock (<c>flock</c> on Unix, a sharing lock on Windows) on a
/// marker file in it, held until disposed or until the process ends, however it ends (the operating system drops the lock).</summary>
public static class FolderLock
{
    /// <summary>Takes the lock on <paramref name="marker"/>, creating the file when missing.</summary>
    /// <param name="busy">What the error says when another process holds it: what the folder is being used for and what to do.</param>
    /// <exception cref="StorageError">another process holds it (the message is <paramref name="busy"/>), or it cannot be written.</exception>
    public static IDisposable Take(string marker, string busy)
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
            throw new StorageError(busy, e);
        }
        catch (IOException e)
        {
            throw new StorageError($"cannot write to {Path.GetDirectoryName(marker)}: {Storage.Reason(e)}", e);
        }
    }
}
