using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Winnow.Host.Commands;

namespace Winnow.Host;

/// <summary>The configuration file a command reads: the one <c>--config</c> names, or the default one.</summary>
internal sealed record ConfigFile(string Path, bool Given)
{
    /// <summary>Read when <c>--config</c> is not given: in the current folder.</summary>
    public const string Default = "appsettings.json";

    /// <summary>The one declaration of <c>--config</c>, shared by the commands that read a configuration file (run, plugins, bench).</summary>
    public static Option<string> Declare() => Syntax.NotEmpty(new Option<string>("--config")
    {
        HelpName = "file",
        Description = "the JSON configuration file; relative paths in it start at its folder",
        DefaultValueFactory = _ => Default,
    });

    public static ConfigFile Of(ParseResult parse, Option<string> option) =>
        new(parse.GetValue(option) ?? Default, parse.GetResult(option) is { Implicit: false });
}

/// <summary>The command line as one tree of declarations: each command, option and argument once, which gives parsing, validation,
/// help and tab completion. The commands declare their own parts in <c>Commands/</c>; here are the root, what they share, and the
/// check that turns whatever is wrong with a command line into one sentence.</summary>
internal static class Syntax
{
    /// <summary>Tokens starting with '@' stay as written: an override's value is never a response file.</summary>
    public static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    public static RootCommand Root()
    {
        var config = ConfigFile.Declare();
        var run = RunCommands.CreateRun(config);
        var root = new RootCommand(Help.Description)
        {
            config, run, RunCommands.CreateResume(), PluginsCommand.Create(config), SweepCommand.Create(), ReportCommand.Create(), BenchCommand.Create(config), DataCommand.Create(config),
        };
        // Without a command winnow runs: the root takes what run takes.
        root.Action = run.Action;
        Overrides.Accept(root);
        root.Subcommands.Add(HelpCommand(root));
        Help.Install(root);
        return root;
    }

    /// <summary>A command's positional argument. The parser gives an argument the first token it does not know, so an override or a
    /// misspelt option where the argument belongs would become the argument: that is refused here, naming what belongs there.</summary>
    public static Argument<string> Positional(string name, string description)
    {
        var argument = new Argument<string>(name) { Description = description };
        argument.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var value }] && result.Parent is CommandResult { Command: var command })
            {
                if (value.StartsWith("--", StringComparison.Ordinal)) result.AddError($"expected the {name} first, got '{value}': {Usage(command)}");
                else if (string.IsNullOrWhiteSpace(value)) result.AddError($"the {name} is empty: {Usage(command)}");
            }
        });
        return argument;
    }

    /// <summary>An option whose value is a path: an empty one (<c>--output ""</c>) is refused, naming the option, instead of failing deep inside.</summary>
    public static Option<string> NotEmpty(Option<string> option)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value))) result.AddError($"{option.Name} is empty: give a path");
        });
        return option;
    }

    /// <summary>A hidden <c>--config</c> for a command that takes its configuration from elsewhere: given, it is refused with <paramref name="reason"/>.</summary>
    public static Option<string> RefusedConfig(string reason)
    {
        var option = new Option<string>("--config") { Hidden = true, Arity = ArgumentArity.ZeroOrOne };
        option.Validators.Add(result => result.AddError(reason));
        return option;
    }

    /// <summary>What is wrong with a parsed command line, as one line, or null: a missing argument, the parser's first error, an option
    /// before the command name, an unknown command, or an unmatched token that is not an override of a command that takes them.</summary>
    public static string? Problem(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (command.Arguments.FirstOrDefault(a => a.Arity.MinimumNumberOfValues > 0 && parse.GetResult(a) is not { Tokens.Count: > 0 }) is { } missing)
            return $"{command.Name} needs the {missing.Name}: {Usage(command)}";
        if (parse.Errors.Count > 0) return OneLine(parse.Errors[0].Message);
        if (command is not RootCommand && parse.RootCommandResult.Children.OfType<OptionResult>().FirstOrDefault(o => !o.Implicit) is { } early)
            return $"'{early.IdentifierToken?.Value}' goes after the command name: {Usage(command)}";

        var unmatched = parse.UnmatchedTokens;
        if (unmatched.Count == 0) return null;
        var first = parse.Tokens.FirstOrDefault(t => t.Type != TokenType.Directive);
        if (command is RootCommand root && first?.Value == unmatched[0] && !unmatched[0].StartsWith('-'))
            return UnknownCommand(unmatched[0], root);
        return Overrides.AreAccepted(command) ? Overrides.Read(unmatched, [], () => Takes(command)) : $"unexpected argument '{unmatched[0]}': {Takes(command)}";
    }

    /// <summary>How a command is called: <c>winnow sweep &lt;sweep file&gt; [options] [--&lt;Section&gt;:&lt;Key&gt;=&lt;value&gt; ...]</c>.</summary>
    public static string Usage(Command command)
    {
        var parts = new List<string> { command is RootCommand ? $"{command.Name} [run]" : PathOf(command) };
        parts.AddRange(command.Arguments.Where(a => !a.Hidden).Select(Label));
        if (command.Options.Any(o => !o.Hidden && o is not HelpOption)) parts.Add("[options]");
        if (Overrides.AreAccepted(command)) parts.Add(Overrides.Usage);
        return string.Join(' ', parts);
    }

    /// <summary>The words that call a command: <c>winnow sweep</c>.</summary>
    public static string PathOf(Command command) =>
        command.Parents.OfType<Command>().FirstOrDefault() is { } parent ? $"{PathOf(parent)} {command.Name}" : command.Name;

    // "sweep takes <sweep file>, --dry-run, --output <folder> and overrides (--<Section>:<Key>=<value>)"
    private static string Takes(Command command)
    {
        var parts = command.Arguments.Where(a => !a.Hidden).Select(Label)
            .Concat(command.Options.Where(o => !o.Hidden && o is not HelpOption and not VersionOption).Select(Label))
            .ToList();
        if (Overrides.AreAccepted(command)) parts.Add($"overrides ({Overrides.Form})");
        var name = command is RootCommand ? "run" : command.Name;
        return parts.Count switch
        {
            0 => $"{name} takes no arguments",
            1 => $"{name} takes {parts[0]}",
            _ => $"{name} takes {string.Join(", ", parts[..^1])} and {parts[^1]}",
        };
    }

    private static string Label(Argument argument) =>
        argument.Arity.MinimumNumberOfValues == 0 ? $"[<{argument.HelpName ?? argument.Name}>]" : $"<{argument.HelpName ?? argument.Name}>";

    private static string Label(Option option) =>
        option.ValueType == typeof(bool) ? option.Name : $"{option.Name} <{option.HelpName ?? option.Name.TrimStart('-')}>";

    private static string UnknownCommand(string name, RootCommand root) =>
        $"unknown command '{name}'; the commands are {string.Join(", ", root.Subcommands.Select(c => c.Name))} (run is the default)";

    // Some of the parser's messages list choices on lines of their own.
    private static string OneLine(string message) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary><c>winnow help [command]</c>: the same as <c>winnow [command] --help</c>.</summary>
    private static Command HelpCommand(RootCommand root)
    {
        var name = new Argument<string>("command")
        {
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "command",
            Description = "the command to explain; without one, winnow itself",
        };
        name.CompletionSources.Add(_ => root.Subcommands.Select(c => c.Name));
        name.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var value }] && !root.Subcommands.Any(c => c.Name == value)) result.AddError(UnknownCommand(value, root));
        });
        var help = new Command("help", "Explains winnow, or one command: winnow help sweep is winnow sweep --help.") { name };
        help.SetAction(parse => root.Parse(parse.GetValue(name) is { } command ? [command, "--help"] : ["--help"], Parsing).Invoke(parse.InvocationConfiguration));
        return help;
    }
}
