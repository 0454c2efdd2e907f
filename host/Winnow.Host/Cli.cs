using System.CommandLine;
using System.Globalization;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;
using Winnow.Engine.Plugins;
using Winnow.Engine.Training;

namespace Winnow.Host;

/// <summary>Parses the command line (<see cref="Syntax"/>), runs the command it names, and turns every known failure into one line on
/// stderr and an exit code.</summary>
internal static class Cli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;

    public static int Execute(string[] args)
    {
        // The parser's messages and help headings in English, like the rest of the tool (the help is adjusted by their wording).
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        var parse = Syntax.Root().Parse(args, Syntax.Parsing);
        // Exceptions come here, to be mapped below, not to System.CommandLine's handler that prints a stack trace.
        var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        // --help, --version and the [suggest] directive answer whatever else the line holds.
        if (parse.Action is { ClearsParseErrors: true }) return parse.Invoke(invocation);
        if (Syntax.Problem(parse) is { } problem)
        {
            Console.Error.WriteLine($"error: {problem}");
            Console.Error.WriteLine($"see {Syntax.PathOf(parse.CommandResult.Command)} --help");
            return BadInput;
        }

        try
        {
            return parse.Invoke(invocation);
        }
        catch (StoppedError e)
        {
            Console.Error.WriteLine($"stopped{(Signals.Received is { } signal ? $" by {signal}" : "")}: {e.Message}");
            return e.ExitCode;
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
            Console.Error.WriteLine($"stopped{(Signals.Received is { } signal ? $" by {signal}" : "")} before any training began; nothing was lost");
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>The configuration file layered with environment and command line, and the plugins it points at.</summary>
    public static (WinnowSettings Settings, SavedSettings Saved) LoadSettings(ConfigFile config, IReadOnlyList<string> overrides)
    {
        var (settings, raw) = SettingsLoader.Load(config.Path, overrides);
        return (settings, SavedSettings.From(raw, Path.GetDirectoryName(Path.GetFullPath(config.Path))!));
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

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
