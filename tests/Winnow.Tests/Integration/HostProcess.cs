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
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the host did not finish in 3 minutes: winnow {string.Join(' ', args)}");
        }
        return new HostResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>A small configuration file: synthetic data, a small model, two epochs, one thread; the scorer left to the policy.</summary>
    public static string WriteConfig(string folder, string policy = "random-dynamic", string policyOptions = """{ "KeepFraction": 0.5 }""",
        string model = "mlp", string dataset = "synthetic", string datasetOptions = """{ "TrainSize": 400, "TestSize": 100 }""", string pluginsDirectory = "",
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
