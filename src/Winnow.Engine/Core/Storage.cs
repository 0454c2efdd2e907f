using System.Text;

namespace Winnow.Engine.Core;

/// <summary>The one way Winnow writes a file it must never leave half-written, and says why a write failed.</summary>
public static class Storage
{
    /// <summary>Writes a whole text file durably: into a temporary file beside it, flushed to the disk, then renamed over the old one.
    /// A reader (or a crash) sees the old file or the new one, never half of one, and a failed write (a full disk) leaves no
    /// temporary file behind. A final newline is added when missing.</summary>
    /// <exception cref="IOException">the write failed; the original file is untouched.</exception>
    public static void WriteAtomically(string path, string text) =>
        WriteAtomically(path, stream =>
        {
            var bytes = new UTF8Encoding(false).GetBytes(text.EndsWith('\n') ? text : text + "\n");
            stream.Write(bytes);
        });

    /// <summary>As <see cref="WriteAtomically(string, string)"/>, with <paramref name="write"/> filling the stream.</summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        var temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                // Without this the rename can reach the disk before the data: after a power cut the file would be empty.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(temp);
            throw;
        }
    }

    /// <summary>Appends one line to a text file (its header first when the file is new), flushed to the disk, so that a process
    /// killed after the call keeps the line.</summary>
    public static void AppendLine(string path, string header, string line)
    {
        var isNew = !File.Exists(path);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        if (isNew) writer.WriteLine(header);
        writer.WriteLine(line);
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Removes a file or a folder with everything in it if it can. A failure is swallowed: this only ever cleans up after
    /// another error, which is the one to report.</summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done.
        }
    }

    /// <summary>Why a write or read failed, in words a user acts on: the disk is full, the file system is read-only, permission is denied.</summary>
    public static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => $"permission denied ({e.Message})",
        IOException io when IsFull(io) => $"the disk is full ({e.Message})",
        IOException io when IsReadOnly(io) => $"the file system is read-only ({e.Message})",
        _ => e.Message,
    };

    // .NET on Unix puts the errno in HResult for the errors it has no own exception type for; the message is the fallback.
    private const int Enospc = 28, Erofs = 30, Edquot = 122;
    private const int WindowsDiskFull = unchecked((int)0x80070070), WindowsHandleDiskFull = unchecked((int)0x80070027);

    public static bool IsFull(IOException e) =>
        e.HResult is Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull
        || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("quota", StringComparison.OrdinalIgnoreCase);

    public static bool IsReadOnly(IOException e) =>
        e.HResult == Erofs || e.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase);
}
