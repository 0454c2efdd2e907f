using System.Text;
using System.Text.Json;

namespace Winnow.Engine.Configuration;

/// <summary>Reads the JSON files a user gives (a configuration file, a sweep file), so that every way one is wrong gets a message that
/// names the file and the place: a path that is not a regular file, a file too large to be a configuration, a syntax error at a line
/// and byte, JSON nested deeper than a configuration ever is.</summary>
public static class JsonFiles
{
    /// <summary>No configuration or sweep file is anywhere near this; a larger one is the wrong file (or a device).</summary>
    public const long MaxBytes = 16 << 20;

    /// <summary>The options the configuration system parses JSON with: comments and trailing commas allowed.</summary>
    public static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 };

    /// <summary>Reads and parses <paramref name="path"/>.</summary>
    /// <param name="what">What the file is ("configuration file", "sweep file"), for messages.</param>
    /// <param name="hint">Appended to the "not found" message (how to name another file).</param>
    /// <exception cref="ConfigurationError">it is missing, not a regular file, too large, or not valid JSON.</exception>
    public static JsonDocument Parse(string path, string what, string hint = "")
    {
        var text = Read(path, what, hint);
        try
        {
            return JsonDocument.Parse(text, Options);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1}" : "";
            throw new ConfigurationError($"{path}: not valid JSON{where}: {Innermost(e)}");
        }
    }

    /// <summary>The file's bytes, checked to be valid JSON, as a stream for the configuration builder.</summary>
    /// <remarks>The builder is given a stream, not the path: its file provider hides files whose names start with a dot
    /// (<c>.winnow.json</c>) and reads a device or a named pipe without asking.</remarks>
    public static Stream Open(string path, string what, string hint = "")
    {
        using (Parse(path, what, hint)) { }
        return new MemoryStream(Encoding.UTF8.GetBytes(Read(path, what, hint)));
    }

    private static string Read(string path, string what, string hint)
    {
        try
        {
            return UserPaths.ReadAllText(path, what, MaxBytes);
        }
        catch (FileNotFoundException)
        {
            throw new ConfigurationError($"{what} not found: {path}{hint}");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationError(e is UnauthorizedAccessException ? $"{what} {path} cannot be read: {e.Message}" : e.Message);
        }
    }

    // System.Text.Json wraps the reader's own message ("'}' is invalid after a value…") in one that repeats the position.
    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }
}
