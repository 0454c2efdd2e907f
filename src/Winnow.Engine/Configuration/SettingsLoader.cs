using Microsoft.Extensions.Configuration;

namespace Winnow.Engine.Configuration;

/// <summary>Reads the configuration in its fixed order: the JSON file, then environment variables prefixed
/// <c>WINNOW_</c> (<c>WINNOW_Run__Epochs=3</c>), then command-line overrides (<c>--Run:Epochs=3</c>).</summary>
public static class SettingsLoader
{
    public const string EnvironmentPrefix = "WINNOW_";

    /// <param name="overrides">One <c>--Section:Key=value</c> token per key, as the host's parser hands them over.</param>
    public static (WinnowSettings Settings, IConfigurationRoot Raw) Load(string configFile, IReadOnlyList<string> overrides)
    {
        var path = Path.GetFullPath(configFile);
        using var json = JsonFiles.Open(path, "configuration file", " (pass another with --config <file>)");
        // The command-line provider misreads any other shape silently: "Epochs=3" as a key, a lone "--Run:Epochs" not at all.
        var stray = overrides.FirstOrDefault(o => !o.StartsWith("--", StringComparison.Ordinal) || o.IndexOf('=', StringComparison.Ordinal) < 3);
        if (stray is not null)
            throw new ConfigurationError($"unexpected argument '{stray}': overrides look like --Run:Epochs=3");
        IConfigurationRoot raw;
        try
        {
            raw = new ConfigurationBuilder()
                .AddJsonStream(json)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .AddCommandLine(overrides.ToArray())
                .Build();
        }
        catch (FormatException e)
        {
            throw new ConfigurationError($"{path} or the command line: {e.Message}");
        }
        return (StrictBinder.Bind<WinnowSettings>(raw, ""), raw);
    }
}
