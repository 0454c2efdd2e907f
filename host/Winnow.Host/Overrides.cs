using System.CommandLine;

namespace Winnow.Host;

/// <summary>Configuration overrides on the command line: <c>--Section:Key=value</c> or <c>--Section:Key value</c>, for any key of the
/// configuration (<c>--Run:Epochs=3</c>, <c>--Run:Policy:Options:KeepFraction=0.3</c>).</summary>
/// <remarks>They are not declared options: the keys are open-ended (every plugin brings its own) and are checked by the engine's
/// strict binder, which names a wrong one with the nearest valid key. They are the tokens the parser did not match, read here and
/// handed on as one <c>--Section:Key=value</c> token each.</remarks>
internal static class Overrides
{
    public const string Form = "--<Section>:<Key>=<value>";
    public const string Usage = $"[{Form} ...]";

    /// <summary>Lets <paramref name="command"/> take overrides: the parser then keeps the tokens it does not match instead of refusing them.</summary>
    public static void Accept(Command command) => command.TreatUnmatchedTokensAsErrors = false;

    public static bool AreAccepted(Command command) => !command.TreatUnmatchedTokensAsErrors;

    /// <summary>The overrides of a command line that <see cref="Syntax.Problem"/> found nothing wrong with.</summary>
    public static IReadOnlyList<string> Of(ParseResult parse)
    {
        var overrides = new List<string>();
        _ = Read(parse.UnmatchedTokens, overrides, () => "");
        return overrides;
    }

    /// <summary>Reads <paramref name="tokens"/> (the unmatched ones, in order) into <paramref name="overrides"/>; returns what is wrong
    /// with the first token that is not an override, or null.</summary>
    /// <param name="takes">What the command takes instead, said after a token that is no override: "run takes --config &lt;file&gt; and …".</param>
    public static string? Read(IReadOnlyList<string> tokens, List<string> overrides, Func<string> takes)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!IsKey(token)) return $"unexpected argument '{token}': {takes()}";
            if (token.Contains('=', StringComparison.Ordinal)) overrides.Add(token);
            // "--Run:Epochs 3": the value is the next token, unless that is an option or an override itself; a value that
            // starts with "--" needs the '=' form.
            else if (i + 1 < tokens.Count && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal)) overrides.Add($"{token}={tokens[++i]}");
            else return $"{token[2..]}: no value; write {token}=<value> or {token} <value> (an empty value, {token}=, clears the key)";
        }
        return null;
    }

    /// <summary>Whether a token is an override's key, with or without its value: two dashes, then a key with a section (a ':').</summary>
    public static bool IsKey(string token)
    {
        if (!token.StartsWith("--", StringComparison.Ordinal)) return false;
        var end = token.IndexOf('=', StringComparison.Ordinal);
        var key = end < 0 ? token[2..] : token[2..end];
        return key.IndexOf(':', StringComparison.Ordinal) > 0 && !key.Any(char.IsWhiteSpace);
    }
}
