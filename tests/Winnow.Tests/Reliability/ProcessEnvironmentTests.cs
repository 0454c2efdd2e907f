using Winnow.Tests.Integration;

namespace Winnow.Tests.Reliability;

/// <summary>The process's own surroundings go wrong (standard output closed or on a full disk, a working folder deleted under the
/// shell, a low open-files limit): one <c>error:</c> line each, its exit code, no native abort and no stack trace.</summary>
[TestClass]
public sealed class ProcessEnvironmentTests
{
    /// <summary>Runs <paramref name="script"/> through bash, WINNOW standing for the host, so that the shell can set up what a user's shell would (<c>&gt;&amp;-</c>,
    /// <c>ulimit</c>, a deleted folder).</summary>
    private static HostResult Bash(string workingDirectory, string script)
    {
        var result = SmallFileSystem.Shell("bash", "-c", $"cd '{workingDirectory}' && {script.Replace("WINNOW", $"dotnet '{TestPaths.HostDll}'")}");
        Assert.DoesNotContain("Unhandled exception", result.Error, result.ToString());
        Assert.DoesNotContain("   at ", result.Error, result.ToString());
        Assert.DoesNotContain("core dumped", result.Error, result.ToString());
        return result;
    }

    private static void AssertOneError(HostResult result, int exitCode, string expected)
    {
        Assert.AreEqual(exitCode, result.ExitCode, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, result.ToString());
        StringAssert.StartsWith(lines[0], "error: ", result.ToString());
        StringAssert.Contains(lines[0], expected, result.ToString());
    }

    [TestMethod]
    public void AClosedStandardOutputIsOneErrorLine()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);
        AssertOneError(Bash(work.Path, "WINNOW plugins >&-"), 1, "cannot write to standard output");
        AssertOneError(Bash(work.Path, "WINNOW --Run:Epochs=1 >&-"), 1, "cannot write to standard output");
    }

    [TestMethod]
    public void StandardOutputOnAFullDiskIsOneErrorLine()
    {
        AssertOneError(Bash(Path.GetTempPath(), "WINNOW plugins > /dev/full"), 1, "cannot write to standard output");
    }

    [TestMethod]
    public void AWorkingFolderDeletedUnderTheShellIsOneErrorLine()
    {
        using var work = new TempFolder();
        var gone = work.Combine("gone");
        Directory.CreateDirectory(gone);
        AssertOneError(Bash(gone, $"rmdir '{gone}' && WINNOW plugins"), 2, "the working folder cannot be used");
    }

    [TestMethod]
    public void ALowOpenFilesLimitIsRaisedOrNamed()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);
        // A low soft limit under a high hard one is raised by the host itself, so the command works.
        var raised = Bash(work.Path, "ulimit -S -n 64 && WINNOW plugins");
        Assert.AreEqual(0, raised.ExitCode, raised.ToString());
        // A low hard limit cannot be raised: the message names the limit and what to do.
        AssertOneError(Bash(work.Path, "ulimit -n 64 && WINNOW plugins"), 2, "ulimit -n");
    }
}
