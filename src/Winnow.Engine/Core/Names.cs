namespace Winnow.Engine.Core;

/// <summary>The one way a name (a plugin's, a sweep's, a run's label) becomes part of a path.</summary>
public static class Names
{
    /// <summary>At most this many characters of a name go into a folder name.</summary>
    public const int MaxLength = 80;

    /// <summary>ASCII letters, digits, '-', '_' and '.' are kept, anything else becomes '_'; leading dots are replaced too, so that no
    /// name is hidden or climbs out of its folder ("..", "../x"), and the result is never empty.</summary>
    public static string Sanitize(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        for (var i = 0; i < chars.Length && chars[i] == '.'; i++) chars[i] = '_';
        var text = new string(chars);
        if (text.Length > MaxLength) text = text[..MaxLength];
        return text.Length == 0 ? "_" : text;
    }
}
