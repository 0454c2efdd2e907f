using System.Runtime.InteropServices;

namespace Winnow;

/// <summary>What a path a user gave turns out to be on disk.</summary>
public enum PathKind
{
    /// <summary>Nothing is there.</summary>
    Missing,
    /// <summary>A regular file.</summary>
    File,
    /// <summary>A folder.</summary>
    Directory,
    /// <summary>A named pipe: opening it for reading waits, forever, for a writer.</summary>
    Fifo,
    /// <summary>A character or block device (<c>/dev/zero</c>): reading it may never end.</summary>
    Device,
    /// <summary>A socket, or anything else that is neither a file nor a folder.</summary>
    Other,
}

/// <summary>The one way Winnow and its plugins open a path a user gave (a configuration file, a data file or folder): find out what it
/// is first, so that the message names the path and what it really is, and read no more than the format allows.</summary>
/// <remarks>A named pipe is refused before it is opened (opening one waits for a writer, which would hang the run with nothing printed),
/// and so is a device (reading <c>/dev/zero</c> never ends). On Linux the kind comes from <c>stat</c>; elsewhere only files and folders
/// are told apart.</remarks>
public static class UserPaths
{
    /// <summary>What <paramref name="path"/> is (following symbolic links).</summary>
    public static PathKind KindOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsLinux() && UnixKind(path) is { } kind) return kind;
        if (System.IO.File.Exists(path)) return PathKind.File;
        return System.IO.Directory.Exists(path) ? PathKind.Directory : PathKind.Missing;
    }

    /// <summary>"a folder", "a named pipe (FIFO)", …: the kind in words, for messages.</summary>
    public static string Describe(PathKind kind) => kind switch
    {
        PathKind.Missing => "not there",
        PathKind.File => "a file",
        PathKind.Directory => "a folder",
        PathKind.Fifo => "a named pipe (FIFO), which would wait for a writer forever",
        PathKind.Device => "a device, not a regular file",
        _ => "neither a regular file nor a folder",
    };

    /// <summary>Opens <paramref name="path"/> for reading, refusing anything that is not a regular file of at most <paramref name="maxBytes"/>.</summary>
    /// <param name="what">What the file is for, in messages ("configuration file", "CIFAR class-names file").</param>
    /// <exception cref="FileNotFoundException">nothing is there.</exception>
    /// <exception cref="InvalidDataException">it is a folder, a pipe, a device, or longer than <paramref name="maxBytes"/>; the message says which.</exception>
    /// <exception cref="UnauthorizedAccessException">it cannot be read.</exception>
    public static FileStream OpenFile(string path, string what, long maxBytes)
    {
        var kind = KindOf(path);
        if (kind == PathKind.Missing) throw new FileNotFoundException($"{what} not found: {path}", path);
        if (kind != PathKind.File) throw new InvalidDataException($"{what} {path} is {Describe(kind)}; expected a file");
        var length = new FileInfo(path).Length;
        if (length > maxBytes)
            throw new InvalidDataException($"{what} {path} is {length:N0} bytes, more than the {maxBytes:N0} such a file can hold; is it the right file?");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
    }

    /// <summary>The whole text of a regular file of at most <paramref name="maxBytes"/> (UTF-8).</summary>
    /// <exception cref="InvalidDataException">it grew past <paramref name="maxBytes"/> while being read, or as in <see cref="OpenFile"/>.</exception>
    public static string ReadAllText(string path, string what, long maxBytes)
    {
        using var stream = OpenFile(path, what, maxBytes);
        using var reader = new StreamReader(stream);
        var buffer = new char[(int)Math.Min(maxBytes + 1, 1 << 20)];
        var text = new System.Text.StringBuilder();
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            text.Append(buffer, 0, read);
            // Checked while reading too: a file that is still being written can be longer than it was when opened.
            if (text.Length > maxBytes) throw new InvalidDataException($"{what} {path} grew past {maxBytes:N0} bytes while being read");
        }
        return text.ToString();
    }

    /// <summary>Checks that <paramref name="path"/> is a folder.</summary>
    /// <exception cref="DirectoryNotFoundException">nothing is there.</exception>
    /// <exception cref="InvalidDataException">something else is there (a file, a pipe); the message says what.</exception>
    public static void RequireDirectory(string path, string what)
    {
        var kind = KindOf(path);
        if (kind == PathKind.Missing) throw new DirectoryNotFoundException($"{what} not found: {path}");
        if (kind != PathKind.Directory) throw new InvalidDataException($"{what} {path} is {Describe(kind)}; expected a folder");
    }

    // st_mode's file-type bits (S_IFMT) from stat(2). The field sits at offset 24 of struct stat on x86_64 and at 16 on arm64.
    private static PathKind? UnixKind(string path)
    {
        var offset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            _ => -1,
        };
        if (offset < 0) return null;
        var buffer = new byte[256];
        try
        {
            if (Stat(path, buffer) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // ENOENT and ENOTDIR: nothing there; anything else (EACCES on a folder above): let .NET say what it finds.
                return errno is 2 or 20 ? PathKind.Missing : null;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        var mode = BitConverter.ToUInt32(buffer, offset) & 0xF000;
        return mode switch
        {
            0x8000 => PathKind.File,
            0x4000 => PathKind.Directory,
            0x1000 => PathKind.Fifo,
            0x2000 or 0x6000 => PathKind.Device,
            _ => PathKind.Other,
        };
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
}
