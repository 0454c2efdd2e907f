using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Winnow.Engine.Configuration;

namespace Winnow.Host;

/// <summary>The help is System.CommandLine's, generated from the declarations; this adds what no declaration says: how the
/// configuration is layered and overridden, and the exit codes.</summary>
internal static class Help
{
    public const string Description = "winnow: trains a model on a dynamically chosen subset of its data each epoch.";

    /// <summary>Every command's <c>--help</c> (and <c>winnow help</c>) goes through <see cref="WithOverrides"/>.</summary>
    public static void Install(RootCommand root)
    {
        var option = root.Options.OfType<HelpOption>().Single();
        option.Action = new WithOverrides((HelpAction)option.Action!);
    }

    private static readonly string Configuration = $$"""
        Configuration, each layer overriding the one before:
          1. the JSON file ({{ConfigFile.Default}} in the current folder, or --config <file>)
          2. environment variables prefixed {{SettingsLoader.EnvironmentPrefix}}, with __ between sections: {{SettingsLoader.EnvironmentPrefix}}Run__Epochs=3
          3. the command line: --Run:Epochs=3 --Run:Policy:Name=random-dynamic --Run:Policy:Options:KeepFraction=0.3
             (or --Run:Epochs 3; an empty value clears a key: --Run:Policy:Options:KeepFraction=)

        Overriding options from the command line:
          A key is its path in the JSON file with ':' between sections: --Run:BatchSize=64. Each plugin's options
          live under its section's Options:
            --Run:Model:Options:<Key>=<value>     --Run:Dataset:Options:<Key>=<value>
            --Run:Scorer:Options:<Key>=<value>    --Run:Policy:Options:<Key>=<value>
          `winnow plugins` shows every plugin's keys. To switch plugins, clear the keys the file set for the old one
          that the new one does not have:
            winnow --Run:Dataset:Name=synthetic --Run:Dataset:Options:Path= --Run:Dataset:Options:TrainSize=5000
          Relative paths (Plugins:Directory, Run:OutputDirectory, a dataset's Path) start at the configuration file's folder.
          An unknown key, a value out of range or an unknown plugin name stops the run before training.

        Exit codes:
          0 done, 1 the run failed, 2 bad configuration or input, 130 stopped by Ctrl+C, SIGTERM or SIGHUP (resume it).

        Tab completion (bash, zsh, PowerShell) through dotnet-suggest, once per machine:
          dotnet tool install -g dotnet-suggest, add its shell script to your profile (dotnet-suggest script bash), then
          dotnet-suggest register --command-path <the winnow executable, e.g. artifacts/app/Release/winnow>
        """;

    private const string InShort = """
        Overrides:
          --<Section>:<Key>=<value> (or --<Section>:<Key> <value>) sets a key of the configuration over the file and the
          environment, e.g. --Run:Epochs=3; an empty value clears a key. winnow --help explains the layers and the keys.
        """;

    // System.CommandLine presents the tokens a command keeps unmatched as "additional arguments" passed on to another program;
    // winnow's are its configuration overrides, so their usage and their section are written as such.
    private const string AdditionalArgumentsUsage = "[[--] <additional arguments>...]]";
    private const string AdditionalArgumentsTitle = "Additional Arguments:";
    private const string UsageTitle = "Usage:";

    /// <summary><paramref name="help"/> (the generated help of <paramref name="command"/>) with the overrides explained; the root's
    /// usage lists every command's.</summary>
    public static string WithOverridesExplained(string help, Command command)
    {
        var lines = help.ReplaceLineEndings("\n").Replace(AdditionalArgumentsUsage, Overrides.Usage, StringComparison.Ordinal).Split('\n').ToList();
        var title = lines.FindIndex(l => l.TrimEnd() == AdditionalArgumentsTitle);
        if (title >= 0)
        {
            var end = title + 1;
            while (end < lines.Count && lines[end].StartsWith(' ')) end++;
            lines.RemoveRange(title, end - title);
            lines.InsertRange(title, (command is RootCommand ? Configuration : InShort).Split('\n'));
        }
        var usage = lines.FindIndex(l => l.TrimEnd() == UsageTitle);
        if (command is RootCommand root && usage >= 0 && usage + 1 < lines.Count)
        {
            lines.RemoveAt(usage + 1);
            var commands = root.Subcommands.Where(c => !c.Hidden && c.Name != "run").Prepend(root);
            lines.InsertRange(usage + 1, commands.Select(c => "  " + Syntax.Usage(c)));
        }
        return string.Join(Environment.NewLine, lines);
    }

    private sealed class WithOverrides(HelpAction generated) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var invocation = parseResult.InvocationConfiguration;
            var output = invocation.Output;
            using var text = new StringWriter();
            invocation.Output = text;
            try
            {
                generated.Invoke(parseResult);
            }
            finally
            {
                invocation.Output = output;
            }
            output.Write(WithOverridesExplained(text.ToString(), parseResult.CommandResult.Command));
            return Cli.Ok;
        }
    }
}
