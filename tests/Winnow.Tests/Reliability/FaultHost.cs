using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Reliability;

/// <summary>Runs the real host as a user would, with what fault tests need beyond <see cref="HostProcess"/>: running it as an
/// unprivileged user (root reads through any <c>chmod</c>), killing it with SIGKILL on a cue from its output or its run folder,
/// and mounting small file systems (a full disk, a read-only one).</summary>
internal static class FaultHost
{
    /// <summary>The user that <see cref="Run(string, bool, string[])"/> switches to when asked to drop root: nobody.</summary>
    private const string Nobody = "65534";

    public static bool IsRoot => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Environment.UserName == "root";

    public static HostResult Run(string workingDirectory, params string[] args) => Run(workingDirectory, asNobody: false, args);

    /// <param name="asNobody">Run the host as user nobody (through <c>setpriv</c>), so that file permissions bind as they do for
    /// an ordinary user even when the tests run as root.</param>
    public static HostResult Run(string workingDirectory, bool asNobody, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args, asNobody))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the host did not finish in 2 minutes: winnow {string.Join(' ', args)}");
        }
        return new HostResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Whether the host can be run as nobody here: setpriv exists and nobody can read the built host and
    /// <paramref name="workingDirectory"/>. Marks the test inconclusive otherwise.</summary>
    public static void RequireNobody(string workingDirectory)
    {
        if (!File.Exists("/usr/bin/setpriv")) Assert.Inconclusive("running as root and setpriv is missing: cannot drop privileges to test permissions");
        var probe = Run(workingDirectory, asNobody: true, "help");
        if (probe.ExitCode != 0) Assert.Inconclusive($"running as root, and the host cannot run as nobody here (a parent folder not readable?): {probe}");
    }

    /// <summary>Makes <paramref name="path"/> unreadable to the host: mode 000, and, when the tests run as root (whom no mode stops),
    /// the host must then run as nobody (see <see cref="Run(string, bool, string[])"/>). Returns whether it must.</summary>
    public static bool MakeUnreadable(string path)
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("Unix permissions only");
        SetMode(path, UnixFileMode.None);
        return IsRoot;
    }

    /// <summary>Sets a Unix file mode (nothing on Windows, where these tests are inconclusive).</summary>
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    /// <summary>A process started in the background, its output read line by line as it comes.</summary>
    public static RunningHost Start(string workingDirectory, params string[] args) => new(StartInfo(workingDirectory, args, asNobody: false));

    /// <summary>As <see cref="Start"/>, with SIGHUP and SIGINT at their default disposition, as in a user's terminal. A process
    /// inherits signals its parent ignores (nohup ignores SIGHUP, a shell's background job SIGINT), and the host rightly keeps
    /// them ignored; a test run started that way must not make the host deaf to the signals these tests send.</summary>
    public static RunningHost StartWithDefaultSignals(string workingDirectory, params string[] args)
    {
        var start = StartInfo(workingDirectory, args, asNobody: false);
        start.ArgumentList.Insert(0, start.FileName);
        start.ArgumentList.Insert(0, "--default-signal=HUP,INT");
        start.FileName = "/usr/bin/env";
        return new RunningHost(start);
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, string[] args, bool asNobody)
    {
        var start = new ProcessStartInfo(asNobody ? "/usr/bin/setpriv" : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asNobody)
        {
            foreach (var a in new[] { $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "dotnet" }) start.ArgumentList.Add(a);
            start.Environment["HOME"] = Path.GetTempPath();
        }
        start.ArgumentList.Add(TestPaths.HostDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("WINNOW_", StringComparison.Ordinal)))
            start.Environment.Remove(key);
        return start;
    }

    /// <summary>A small run's configuration: synthetic data, a small MLP with dropout (so the global generator matters on resume),
    /// random-dynamic selection (so the policy's generator matters), one thread.</summary>
    public static string WriteConfig(string folder, int epochs = 3, int trainSize = 256, int testSize = 64, int batchSize = 16, string extra = "")
    {
        var path = Path.Combine(folder, "appsettings.json");
        File.WriteAllText(path, $$"""
            {
              "Run": {
                "Epochs": {{epochs}},
                "BatchSize": {{batchSize}},
                "EvalBatchSize": 64,
                "Threads": 1,
                "Seed": 11,
                {{extra}}
                "Model": { "Name": "mlp", "Options": { "HiddenUnits": 32, "HiddenLayers": 1, "Dropout": 0.2 } },
                "Dataset": { "Name": "synthetic", "Options": { "TrainSize": {{trainSize}}, "TestSize": {{testSize}}, "Noise": 2 } },
                "Scorer": { "Name": "" },
                "Policy": { "Name": "random-dynamic", "Options": { "KeepFraction": 0.5 } }
              }
            }
            """);
        return path;
    }

    /// <summary>The one run folder under <paramref name="root"/>.</summary>
    public static string OnlyRunFolder(string root)
    {
        var folders = Directory.Exists(root) ? Directory.GetDirectories(root) : [];
        Assert.HasCount(1, folders, $"run folders in {root}: {string.Join(", ", folders)}");
        return folders[0];
    }

    /// <summary>Everything a user or <c>resume</c> reads from a run folder can be read: the JSON files parse, <c>metrics.csv</c> and
    /// <c>selection.csv</c> hold whole rows of their header's width, and the checkpoint pointer names a complete checkpoint.</summary>
    public static void AssertReadable(string folder, string what)
    {
        foreach (var name in new[] { "settings.json", "config.json", "summary.json", "checkpoint.json" })
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            try
            {
                using var _ = JsonDocument.Parse(File.ReadAllText(path));
            }
            catch (JsonException e)
            {
                Assert.Fail($"{what}: {path} does not parse: {e.Message}");
            }
        }
        foreach (var name in new[] { "metrics.csv", "selection.csv" })
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            var text = File.ReadAllText(path);
            Assert.IsTrue(text.Length == 0 || text.EndsWith('\n'), $"{what}: {path} ends in the middle of a row");
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var width = lines[0].Split(',').Length;
            foreach (var line in lines) Assert.AreEqual(width, line.Split(',').Length, $"{what}: {path} has a torn row: '{line}'");
        }
        var pointer = Path.Combine(folder, "checkpoint.json");
        if (File.Exists(pointer))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(pointer));
            var checkpoint = Path.Combine(folder, "checkpoints", doc.RootElement.GetProperty("folder").GetString()!);
            Assert.IsTrue(Directory.Exists(checkpoint), $"{what}: checkpoint.json names {checkpoint}, which is missing");
            foreach (var file in new[] { "model.bin", "optimizer.bin", "board.bin", "rng.bin", "state.json", "policy.bin" })
                Assert.IsTrue(File.Exists(Path.Combine(checkpoint, file)), $"{what}: the committed checkpoint lacks {file}");
        }
    }

    /// <summary>The <c>n</c>th column of every data row of a CSV file of a run folder.</summary>
    public static string[] Column(string folder, string file, string column)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, file));
        var index = Array.IndexOf(lines[0].Split(','), column);
        Assert.IsGreaterThanOrEqualTo(0, index, $"{file} has no column {column}: {lines[0]}");
        return [.. lines.Skip(1).Select(l => l.Split(',')[index])];
    }
}

/// <summary>The host running in the background: its output lines (with a hook called as each arrives, on the reader's thread, for
/// killing on a cue) and SIGKILL.</summary>
internal sealed class RunningHost : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly object _gate = new();

    public RunningHost(ProcessStartInfo start)
    {
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_gate) _output.AppendLine(e.Data);
            OnLine?.Invoke(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_gate) _error.AppendLine(e.Data);
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Called with each line of standard output as it arrives.</summary>
    public Action<string>? OnLine { get; set; }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL (no handler runs, nothing is flushed); returns false when the process had already ended.</summary>
    public bool Kill()
    {
        try
        {
            if (_process.HasExited) return false;
            _process.Kill(entireProcessTree: false);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Sends <paramref name="signal"/> (a Linux signal number: 1 SIGHUP, 2 SIGINT, 15 SIGTERM) as a shell, docker stop or
    /// Slurm would; returns false when the process had already ended.</summary>
    public bool Signal(int signal) => !_process.HasExited && kill(_process.Id, signal) == 0;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public HostResult Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException("the host did not end in time");
        }
        _process.WaitForExit();
        lock (_gate) return new HostResult(_process.ExitCode, _output.ToString(), _error.ToString());
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}

/// <summary>A tmpfs mounted for one test (root only; inconclusive where mounting is not allowed), unmounted on dispose.</summary>
internal sealed class SmallFileSystem : IDisposable
{
    public SmallFileSystem(string path, string options)
    {
        Path = path;
        Directory.CreateDirectory(path);
        if (!FaultHost.IsRoot) Assert.Inconclusive("mounting a small file system needs root");
        var result = Shell("mount", "-t", "tmpfs", "-o", options, "tmpfs", path);
        if (result.ExitCode != 0) Assert.Inconclusive($"cannot mount a tmpfs here ({result.Error.Trim()})");
    }

    public string Path { get; }

    /// <summary>Fills the file system to the last byte; returns the filler's path (delete it to free the space).</summary>
    public string Fill()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        var block = new byte[4096];
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true) stream.Write(block);
        }
        catch (IOException)
        {
            // Full: write what still fits, byte by byte, so not even a small file fits any more.
        }
        try
        {
            while (true) stream.Write(block, 0, 1);
        }
        catch (IOException)
        {
        }
        return filler;
    }

    public void Dispose() => Shell("umount", "-l", Path);

    public static HostResult Shell(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(start)!;
            var output = p.StandardOutput.ReadToEnd();
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return new HostResult(p.ExitCode, output, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new HostResult(-1, "", e.Message);
        }
    }
}
