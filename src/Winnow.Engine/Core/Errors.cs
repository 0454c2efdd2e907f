namespace Winnow.Engine.Core;

/// <summary>The exit codes of the host, one meaning each.</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The run (or sweep, or command) could not go on: a plugin failed, training diverged, the disk refused, a record is damaged.</summary>
    public const int Failed = 1;

    /// <summary>What the user gave is wrong (configuration, command line, a path): nothing ran.</summary>
    public const int BadInput = 2;

    /// <summary>Stopped by a signal (Ctrl+C, SIGTERM, SIGHUP): every finished epoch is kept and the run can be resumed.</summary>
    public const int Interrupted = 130;
}

/// <summary>The base of everything the host reports: one line that names the file, key or plugin and says what is really wrong.</summary>
/// <remarks>One base so that the host maps failures to exit codes in one place, instead of a list of exception types per command.</remarks>
public abstract class WinnowError(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The process exit code this failure ends with.</summary>
    public virtual int ExitCode => ExitCodes.Failed;
}

/// <summary>A file or folder could not be written or read: a full disk, a read-only file system, missing permission, or a record of
/// Winnow's own (a run folder, a checkpoint, a sweep record) that is damaged. The message names the path.</summary>
public sealed class StorageError(string message, Exception? inner = null) : WinnowError(message, inner);

/// <summary>The run or sweep was stopped on request (Ctrl+C, SIGTERM, SIGHUP) before it finished: not a failure. Every finished epoch
/// and its checkpoint are kept; the message says how to continue.</summary>
public sealed class StoppedError(string message, Exception? inner = null) : WinnowError(message, inner)
{
    public override int ExitCode => ExitCodes.Interrupted;
}
