using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Winnow.Tests.Integration;

namespace Winnow.Tests.ThirdParty;

/// <summary>The repository, plugin folders made of the built plugins plus fixtures, and what a run folder holds.</summary>
internal static class ThirdPartyFolders
{
    /// <summary>The repository root (recorded by the test project, never guessed).</summary>
    public static string RepoRoot =>
        typeof(ThirdPartyFolders).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "WinnowRepoRoot").Value
        ?? throw new InvalidOperationException("assembly metadata WinnowRepoRoot is empty");

    /// <summary>A plugins folder under <paramref name="work"/> holding the host's built plugins and the named fixture plugins.</summary>
    public static string Plugins(TempFolder work, string name, params string[] fixtures)
    {
        var folder = work.Combine(name);
        TempFolder.CopyDirectory(TestPaths.PluginsDirectory, folder);
        foreach (var fixture in fixtures) TempFolder.CopyDirectory(TestPaths.FixturePlugin(fixture), Path.Combine(folder, fixture));
        return folder;
    }

    /// <summary>The single run folder under <paramref name="output"/>.</summary>
    public static string RunFolder(TempFolder work, string output = "runs") => Directory.GetDirectories(work.Combine(output)).Single();

    public static JsonElement Summary(string runFolder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(runFolder, "summary.json"))).RootElement;

    /// <summary>The data rows of metrics.csv.</summary>
    public static string[] MetricsRows(string runFolder) => File.ReadAllLines(Path.Combine(runFolder, "metrics.csv")).Skip(1).ToArray();

    /// <summary>The epoch the committed checkpoint belongs to.</summary>
    public static int CheckpointEpoch(string runFolder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(runFolder, "checkpoint.json"))).RootElement.GetProperty("epoch").GetInt32();

    /// <summary>The ```bash block that follows <paramref name="marker"/> in <paramref name="document"/> (relative to the repository):
    /// the steps a page of the docs promises, which a test runs verbatim.</summary>
    public static string MarkedBashBlock(string document, string marker)
    {
        var path = Path.Combine(RepoRoot, document);
        var text = File.ReadAllText(path);
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, at, $"{path} does not hold the marker {marker}");
        var open = text.IndexOf("```bash\n", at, StringComparison.Ordinal);
        var close = text.IndexOf("\n```", open + 1, StringComparison.Ordinal);
        Assert.IsTrue(open > at && close > open, $"{path}: no ```bash block after the marker {marker}");
        return text[(open + "```bash\n".Length)..(close + 1)];
    }

    /// <summary>The private dotnet home the steps of <see cref="RunSteps"/> use: templates are installed into its list, never the user's.</summary>
    public static string DotnetHome(TempFolder work) => work.Combine("dotnet-home");

    /// <summary>Runs a docs page's steps in <paramref name="work"/> as a user would, with <c>WINNOW</c> (the clone) and <c>APP</c> (the
    /// built host) set, and a private dotnet home.</summary>
    public static HostResult RunSteps(string steps, TempFolder work) =>
        Shell.Run(steps, work.Path, new Dictionary<string, string>
        {
            ["WINNOW"] = RepoRoot.TrimEnd('/'),
            ["APP"] = TestPaths.AppDirectory.TrimEnd('/'),
            ["DOTNET_CLI_HOME"] = DotnetHome(work),
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            // No build server or node outlives the steps: nothing keeps running after the test, or holds its folder.
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        }, TimeSpan.FromMinutes(8));

    /// <summary>SHA-256 of every file under <paramref name="root"/>, by relative path, leaving out the sub-folders named in <paramref name="except"/>.</summary>
    public static SortedDictionary<string, string> Hashes(string root, params string[] except)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (except.Any(e => relative.StartsWith(e + Path.DirectorySeparatorChar, StringComparison.Ordinal))) continue;
            using var stream = File.OpenRead(file);
            hashes[relative] = Convert.ToHexString(SHA256.HashData(stream));
        }
        return hashes;
    }
}

/// <summary>Runs a bash script as a user's shell would, with an environment of the test's choosing.</summary>
internal static class Shell
{
    public static HostResult Run(string script, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var file = Path.Combine(workingDirectory, ".steps-" + Guid.NewGuid().ToString("N")[..8] + ".sh");
        // -e: the first failing step fails the test; -x: the log shows which one.
        File.WriteAllText(file, "set -euxo pipefail\n" + script);
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(file);
        // What the test runner sets for itself (MSBuild, VSTest) must not reach the builds the script starts, nor the host's WINNOW_ keys.
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) ||
                key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) || key.StartsWith("WINNOW_", StringComparison.Ordinal))
                start.Environment.Remove(key);
        }
        foreach (var (key, value) in environment) start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the steps did not finish in {timeout}:\n{script}\n--- stdout so far ---\n{output.Result}\n--- stderr so far ---\n{error.Result}");
        }
        return new HostResult(process.ExitCode, output.Result, error.Result);
    }
}
