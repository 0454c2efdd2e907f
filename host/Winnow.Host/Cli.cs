using Winnow.Engine.Configuration;
using Winnow.Engine.Core;
using Winnow.Engine.Plugins;
using Winnow.Engine.Training;
using Winnow.Host.Commands;

namespace Winnow.Host;

/// <summary>What the command line said: <c>winnow [command] [target] [--config file] [--Section:Key=value …]</c>.</summary>
/// <param name="Target">The positional argument after the command (a run folder for <c>resume</c>, a sweep file for <c>sweep</c>).</param>
internal sealed record CommandLine(string Command, string ConfigFile, string? Target, IReadOnlyList<string> Overrides);

/// <summary>Parses the command line, dispatches to a command, and turns every known failure into one line on stderr and an exit code.</summary>
internal static class Cli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;

    /// <summary>The commands, by name. A command returns its exit code and throws the engine's exceptions for failures.</summary>
    private static readonly Dictionary<string, Func<CommandLine, int>> Commands = new(StringComparer.Ordinal)
    {
        ["run"] = RunCommands.Run,
        ["resume"] = RunCommands.Resume,
        ["plugins"] = PluginsCommand.List,
        ["sweep"] = SweepCommand.Run,
        ["report"] = ReportCommand.Write,
        ["bench"] = BenchCommand.Run,
    };

    public static int Execute(string[] args)
    {
        var command = "run";
        var configFile = "appsettings.json";
        string? target = null;
        var overrides = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a is "-h" or "--help" or "-?" or "help") return HelpText.Write(Console.Out);
            if (a == "--config")
            {
                if (i + 1 >= args.Length) return Fail(BadInput, "--config needs a file name");
                configFile = args[++i];
            }
            else if (a.StartsWith("--config=", StringComparison.Ordinal)) configFile = a["--config=".Length..];
            else if (i == 0 && !a.StartsWith('-')) command = a;
            else if (i == 1 && target is null && !a.StartsWith('-') && Commands.ContainsKey(command)) target = a;
            else if (a.StartsWith("--", StringComparison.Ordinal) && !a.Contains('=') && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
            {
                // "--Run:Epochs 3": the value is the next argument, never a command or a target.
                overrides.Add(a);
                overrides.Add(args[++i]);
            }
            else overrides.Add(a);
        }
        if (!Commands.TryGetValue(command, out var handler))
            return Fail(BadInput, $"unknown command '{command}'; the commands are {string.Join(", ", Commands.Keys)} and help (run is the default)");

        try
        {
            return handler(new CommandLine(command, configFile, target, overrides));
        }
        catch (WinnowError e)
        {
            return Fail(e.ExitCode, e.Message);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // What the engine does not reword itself (a plugin's data file, a folder the OS refuses) still names its path.
            return Fail(Failed, e.Message);
        }
        catch (OperationCanceledException)
        {
            return Fail(Failed, "cancelled; the run folder keeps every finished epoch and its checkpoint: continue with winnow resume <run folder>");
        }
    }

    /// <summary>The configuration file layered with environment and command line, and the plugins it points at.</summary>
    public static (WinnowSettings Settings, SavedSettings Saved) LoadSettings(CommandLine line)
    {
        var (settings, raw) = SettingsLoader.Load(line.ConfigFile, line.Overrides);
        return (settings, SavedSettings.From(raw, Path.GetDirectoryName(Path.GetFullPath(line.ConfigFile))!));
    }

    /// <summary>Loads the plugin folders the settings name (default: plugins/ beside this executable), reporting skipped ones on stderr.</summary>
    /// <remarks>Every command that trains loads its plugins first, before any tensor exists: the native heap is set up here.</remarks>
    public static PluginCatalog LoadPlugins(WinnowSettings settings, string baseDirectory)
    {
        NativeMemory.Configure(settings.Runtime.MemoryReuse);
        var directory = settings.Plugins.Directory.Length == 0
            ? Path.Combine(AppContext.BaseDirectory, "plugins")
            : Path.GetFullPath(settings.Plugins.Directory, baseDirectory);
        var catalog = PluginCatalog.Load(directory);
        foreach (var problem in catalog.Problems) Console.Error.WriteLine($"warning: {problem}");
        return catalog;
    }

    /// <summary>A token cancelled by Ctrl+C, which then stops the run at the next step instead of killing the process.</summary>
    public static CancellationTokenSource CancelOnCtrlC()
    {
        var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return cancel;
    }

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
