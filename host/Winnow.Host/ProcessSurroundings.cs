using System.Runtime.InteropServices;
using System.Text;
using Winnow.Engine.Core;

namespace Winnow.Host;

/// <summary>What the process needs from its surroundings before any command runs, checked first so that a failure is one line, not a
/// native abort or a silent exit: a working folder that exists, enough open files, and standard output that takes what it is given.</summary>
internal static class ProcessSurroundings
{
    /// <summary>Below this many open files libtorch, the plugins and the runtime's own assemblies do not all fit: loading then fails
    /// part-way with "Too many open files", often before an error can even be printed (measured: 128 fails, 256 runs).</summary>
    public const ulong MinimumOpenFiles = 512;

    /// <summary>Null when everything is in order, else the one line to print (and exit with <see cref="ExitCodes.BadInput"/>).</summary>
    public static string? Problem()
    {
        try
        {
            _ = Directory.GetCurrentDirectory();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the working folder cannot be used ({e.Message}); it was probably deleted while a shell was in it: cd to an existing folder and run winnow again";
        }
        if (OpenFilesProblem() is { } files) return files;
        // Standard output closed or broken: messages still reach standard error, and writes to it become one clear error.
        Console.SetOut(new GuardedWriter(Console.Out));
        return null;
    }

    // The soft limit is raised to the hard one where that is allowed (it is, for any process); only a hard limit too low is refused.
    private static string? OpenFilesProblem()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            if (GetRLimit(RLimitNoFile, out var limit) != 0) return null;
            if (limit.Current >= MinimumOpenFiles) return null;
            var wanted = new RLimit { Current = Math.Min(limit.Maximum, 4096), Maximum = limit.Maximum };
            if (wanted.Current > limit.Current) SetRLimit(RLimitNoFile, ref wanted);
            if (GetRLimit(RLimitNoFile, out limit) == 0 && limit.Current >= MinimumOpenFiles) return null;
            return $"this process may open only {limit.Current} files at once (ulimit -n), and its hard limit is {limit.Maximum}; Winnow needs at least " +
                   $"{MinimumOpenFiles} (libtorch, the plugins and the runtime's libraries are files too): raise it, e.g. ulimit -n 4096, and run winnow again";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private const int RLimitNoFile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "getrlimit")]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit")]
    private static extern int SetRLimit(int resource, ref RLimit limit);

    /// <summary>Standard output as the host writes it: a failed write (closed, a full disk, a broken pipe) is a <see cref="StorageError"/>
    /// that says it was standard output, not "Access to the path is denied".</summary>
    private sealed class GuardedWriter(TextWriter inner) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value) => Guard(() => inner.Write(value));

        public override void Write(string? value) => Guard(() => inner.Write(value));

        public override void WriteLine(string? value) => Guard(() => inner.WriteLine(value));

        public override void Flush() => Guard(inner.Flush);

        private static void Guard(Action write)
        {
            try
            {
                write();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageError($"cannot write to standard output ({e.Message}): is it closed, or on a full disk? Run winnow with its output going somewhere that takes it", e);
            }
        }
    }
}
