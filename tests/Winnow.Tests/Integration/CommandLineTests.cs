namespace Winnow.Tests.Integration;

/// <summary>The host's command line through the real executable: what it refuses (one <c>error:</c> line, exit code 2, nothing
/// run), the help of every command, and tab completion.</summary>
[TestClass]
public sealed class CommandLineTests
{
    private static readonly string[] Commands = ["run", "resume", "plugins", "sweep", "report", "bench", "help"];
    private static readonly string[] TakingOverrides = ["run", "resume", "plugins", "sweep", "bench"];

    /// <summary>Exit code 2, nothing on stdout, and on stderr one <c>error:</c> line holding <paramref name="expected"/>, followed by
    /// at most one line that points to <c>--help</c>.</summary>
    private static void AssertRefused(HostResult result, params string[] expected)
    {
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual("", result.Output, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.IsTrue(lines.Length is 1 or 2, $"one error line and at most one pointer to --help:\n{result}");
        StringAssert.StartsWith(lines[0], "error: ", result.ToString());
        if (lines.Length == 2) StringAssert.Contains(lines[1], "--help", result.ToString());
        foreach (var e in expected) StringAssert.Contains(lines[0], e, result.ToString());
    }

    private static HostResult Host(TempFolder work, params string[] args)
    {
        HostProcess.WriteConfig(work.Path, epochs: 1);
        return HostProcess.Run(work.Path, args);
    }

    [TestMethod]
    [DataRow(new[] { "run", "foo" }, "foo", "run takes --config <file> and overrides")]
    [DataRow(new[] { "--Run:Epochs=1", "foo" }, "foo", "run takes")]
    [DataRow(new[] { "resume", "runs/some-run", "extra" }, "extra", "resume takes <run folder> and overrides")]
    [DataRow(new[] { "report", "runs", "other" }, "other", "report takes <sweep folder | run folder>")]
    [DataRow(new[] { "report", "runs", "--Run:Epochs=1" }, "--Run:Epochs=1", "report takes <sweep folder | run folder>")]
    [DataRow(new[] { "plugins", "extra" }, "extra", "plugins takes --config <file> and overrides")]
    [DataRow(new[] { "sweep", "sweep.json", "--dryrun" }, "--dryrun", "sweep takes <sweep file>, --dry-run, --output <folder>, --shard <i/n|slurm>, --slurm, --tasks <n>, --cpus-per-task <n>, --mem <size>, --time <limit>, --partition <name>, --threads <n>, --signal-before <seconds> and overrides")]
    [DataRow(new[] { "bench", "extra" }, "extra", "bench takes --quick, --only <names>, --output <file.md>, --config <file> and overrides")]
    [DataRow(new[] { "help", "sweep", "extra" }, "extra", "help takes [<command>]")]
    public void AnArgumentACommandDoesNotTakeIsRefusedByName(string[] args, string token, string takes)
    {
        using var work = new TempFolder();
        AssertRefused(Host(work, args), $"unexpected argument '{token}'", takes);
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), "nothing ran");
    }

    [TestMethod]
    [DataRow(new[] { "--Run:Epochs" })]
    [DataRow(new[] { "--Run:Seed=1", "--Run:Epochs" })]
    [DataRow(new[] { "--Run:Epochs", "--Run:Seed=1" })]
    [DataRow(new[] { "run", "--Run:Epochs", "--config", "appsettings.json" })]
    public void AKeyWithoutAValueIsRefusedByName(string[] args)
    {
        using var work = new TempFolder();
        AssertRefused(Host(work, args), "Run:Epochs: no value", "--Run:Epochs=<value>");
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), "nothing ran");
    }

    [TestMethod]
    public void AnOverrideOrAMisspeltOptionWhereTheArgumentBelongsIsRefused()
    {
        using var work = new TempFolder();
        AssertRefused(Host(work, "resume", "--Run:StopAfterEpoch=1", "runs/x"), "expected the run folder first, got '--Run:StopAfterEpoch=1'", "winnow resume <run folder>");
        AssertRefused(Host(work, "sweep", "--dryrun", "sweep.json"), "expected the sweep file first, got '--dryrun'");
    }

    [TestMethod]
    public void AMissingArgumentIsNamed()
    {
        using var work = new TempFolder();
        AssertRefused(Host(work, "resume"), "resume needs the run folder", "winnow resume <run folder>");
        AssertRefused(Host(work, "sweep"), "sweep needs the sweep file");
        AssertRefused(Host(work, "report"), "report needs the folder");
        AssertRefused(Host(work, "--config"), "--config");
    }

    [TestMethod]
    public void AnUnknownCommandListsTheCommands()
    {
        using var work = new TempFolder();
        AssertRefused(Host(work, "swep", "sweep.json"), "unknown command 'swep'", "the commands are run, resume, plugins, sweep, report, bench, data, help (run is the default)");
        AssertRefused(Host(work, "help", "swep"), "unknown command 'swep'");
    }

    [TestMethod]
    public void SweepAndResumeRefuseAConfigurationFile()
    {
        using var work = new TempFolder();
        AssertRefused(Host(work, "sweep", "sweep.json", "--config", "appsettings.json"), "sweep takes its base configuration from the sweep file (its Base), not from --config");
        AssertRefused(Host(work, "resume", "runs/x", "--config=appsettings.json"), "resume continues with the settings saved in the run folder (settings.json), not with --config");
        AssertRefused(Host(work, "--config", "appsettings.json", "sweep", "sweep.json"), "'--config' goes after the command name");
    }

    [TestMethod]
    public void BenchChecksTheBenchmarkNamesBeforeAnythingRuns()
    {
        using var work = new TempFolder();
        AssertRefused(Host(work, "bench", "--only=selection,nope"), "--only: unknown benchmark nope; the benchmarks are ceiling, throughput, first-epoch, overhead, speedup, selection, datapath, data-memory, data-file, memory");
        AssertRefused(Host(work, "bench", "--only", "nope", "--quick"), "--only: unknown benchmark nope");
    }

    [TestMethod]
    public void EveryCommandExplainsItselfWithHelp()
    {
        using var work = new TempFolder();
        foreach (var command in Commands)
        {
            var help = Host(work, command, "--help");
            var viaHelp = Host(work, "help", command);

            Assert.AreEqual(0, help.ExitCode, help.ToString());
            Assert.AreEqual(help.Output, viaHelp.Output, $"winnow help {command} is winnow {command} --help");
            StringAssert.Contains(help.Output, "Usage:", help.ToString());
            StringAssert.Contains(help.Output, $"winnow {command}", help.ToString());
            StringAssert.Contains(help.Output, "Description:", help.ToString());
            Assert.DoesNotContain("additional arguments", help.Output.ToLowerInvariant(), help.ToString());
            if (TakingOverrides.Contains(command))
            {
                StringAssert.Contains(help.Output, "[--<Section>:<Key>=<value> ...]", help.ToString());
                StringAssert.Contains(help.Output, "Overrides:", help.ToString());
            }
            else Assert.DoesNotContain("<Section>", help.Output, help.ToString());
        }
        StringAssert.Contains(Host(work, "sweep", "--help").Output, "--dry-run");
        StringAssert.Contains(Host(work, "bench", "--help").Output, "--only <names>");
    }

    [TestMethod]
    public void TheRootHelpListsEveryCommandTheLayersAndTheExitCodes()
    {
        using var work = new TempFolder();
        var help = Host(work, "help");

        Assert.AreEqual(0, help.ExitCode, help.ToString());
        Assert.AreEqual(help.Output, Host(work, "--help").Output);
        Assert.AreEqual(help.Output, Host(work, "-h").Output);
        foreach (var expected in new[]
                 {
                     "winnow [run] [options] [--<Section>:<Key>=<value> ...]", "winnow sweep <sweep file> [options]", "winnow report <sweep folder | run folder>",
                     "winnow bench [options]", "winnow help [<command>]", "1. the JSON file (appsettings.json", "2. environment variables prefixed WINNOW_",
                     "Exit codes:", "0 done, 1 the run failed, 2 bad configuration or input, 130 stopped by Ctrl+C, SIGTERM or SIGHUP (resume it).", "dotnet-suggest register",
                 })
            StringAssert.Contains(help.Output, expected, help.ToString());
        Assert.DoesNotContain("additional arguments", help.Output.ToLowerInvariant(), help.ToString());
    }

    [TestMethod]
    public void TabCompletionSuggestsCommandsAndBenchmarkNames()
    {
        using var work = new TempFolder();
        // What dotnet-suggest asks the executable: [suggest:<cursor position>] and the command line typed so far.
        var commands = Host(work, "[suggest:2]", "sw");
        Assert.AreEqual(0, commands.ExitCode, commands.ToString());
        CollectionAssert.AreEqual(new[] { "sweep" }, commands.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var names = Host(work, "[suggest:15]", "bench --only sp");
        CollectionAssert.AreEqual(new[] { "speedup" }, names.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), names.ToString());
    }
}
