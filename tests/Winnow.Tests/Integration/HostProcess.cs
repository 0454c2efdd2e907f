using System.Diagnostics;

namespace Winnow.Tests.Integration;

/// <summary>The outcome of one run of the real host executable.</summary>
internal sealed record HostResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

/// <summary>Runs the built host (<c>dotnet winnow.dll</c>) as a user would, in a working folder of the test's choosing.</summary>
internal static class HostProcess
{
    public static HostResult Run(string workingDirectory, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the host did not finish in 3 minutes: winnow {string.Join(' ', args)}");
        }
        return new HostResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Starts a run, waits for its first committed checkpoint, then <paramref name="afterCheckpoint"/> more, and kills it
    /// (SIGKILL: no handler runs). Returns the run folder.</summary>
    public static string StartAndKill(string workingDirectory, string output, string[] args, TimeSpan afterCheckpoint)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args))!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        string? folder = null;
        while (folder is null || !File.Exists(Path.Combine(folder, "checkpoint.json")))
        {
            if (process.HasExited) throw new InvalidOperationException($"the run ended (exit {process.ExitCode}) before it could be killed");
            if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("no checkpoint within 2 minutes");
            Thread.Sleep(20);
            var root = Path.Combine(workingDirectory, output);
            folder = Directory.Exists(root) ? Directory.GetDirectories(root).SingleOrDefault() : null;
        }
        Thread.Sleep(afterCheckpoint);
        if (process.HasExited) throw new InvalidOperationException("the run finished before it was killed; make it longer");
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return folder;
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(TestPaths.HostDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        // The host reads WINNOW_ variables: a developer's shell must not change what the tests see.
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("WINNOW_", StringComparison.Ordinal)))
            start.Environment.Remove(key);
        return start;
    }

    /// <summary>The options of the small synthetic dataset the tests' configurations use.</summary>
    public const string SmallSynthetic = """{ "TrainSize": 400, "TestSize": 100 }""";

    /// <summary>A small configuration file: synthetic data, a small model, two epochs, one thread; the scorer left to the policy.</summary>
    public static string WriteConfig(string folder, string policy = "random-dynamic", string policyOptions = """{ "KeepFraction": 0.5 }""",
        string model = "mlp", string dataset = "synthetic", string datasetOptions = SmallSynthetic, string pluginsDirectory = "",
        string scorer = "", int epochs = 2)
    {
        var path = Path.Combine(folder, "appsettings.json");
        File.WriteAllText(path, $$"""
            {
              "Plugins": { "Directory": "{{pluginsDirectory}}" },
              "Run": {
                "Epochs": {{epochs}},
                "BatchSize": 32,
                "Threads": 1,
                "Seed": 7,
                "Model": { "Name": "{{model}}", "Options": { } },
                "Dataset": { "Name": "{{dataset}}", "Options": {{datasetOptions}} },
                "Scorer": { "Name": "{{scorer}}" },
                "Policy": { "Name": "{{policy}}", "Options": {{policyOptions}} }
              }
            }
            """);
        return path;
    }
}
