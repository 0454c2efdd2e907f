using Winnow.Engine.Core;

namespace Winnow.Engine.Configuration;

/// <summary>The configuration or the command line cannot run: every problem found, each naming its key, file or argument.</summary>
public sealed class ConfigurationError(IReadOnlyList<string> problems)
    : WinnowError(problems.Count == 1 ? problems[0] : "the configuration has " + problems.Count + " problems:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;

    public ConfigurationError(string problem) : this([problem]) { }

    public override int ExitCode => ExitCodes.BadInput;
}
