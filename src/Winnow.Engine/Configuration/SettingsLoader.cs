using Microsoft.Extensions.Configuration;

namespace Winnow.Engine.Configuration;

/// <summary>Reads the configuration in its fixed order: the JSON file, then environment variables prefixed
/// <c>WINNOW_</c> (<c>WINNOW_Run__Epochs=3</c>), then command-line overrides (<c>--Run:Epochs=3</c>).</summary>
public static class SettingsLoader
{
    public const string EnvironmentPrefix = "WINNOW_";

    public static (WinnowSettings Settings, IConfigurationRoot Raw) Load(string configFile, IReadOnlyList<string> overrides)
    {
        var path = Path.GetFullPath(configFile);
        if (!File.Exists(path))
            throw new ConfigurationError($"configuration file not found: {path} (pass another with --config <file>)");
        for (var i = 0; i < overrides.Count; i++)
        {
            var arg = overrides[i];
            var isKey = arg.StartsWith("--", StringComparison.Ordinal);
            // "--Run:Epochs 3": the 3 belongs to the key before it.
            var isValue = i > 0 && overrides[i - 1].StartsWith("--", StringComparison.Ordinal) && !overrides[i - 1].Contains('=');
            if (!isKey && !isValue)
                throw new ConfigurationError($"unexpected argument '{arg}': overrides look like --Run:Epochs=3 or --Run:Policy:Name random-dynamic");
        }
        IConfigurationRoot raw;
        try
        {
            raw = new ConfigurationBuilder()
                .AddJsonFile(path, optional: false, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .AddCommandLine(overrides.ToArray())
                .Build();
        }
        catch (InvalidDataException e)
        {
            throw new ConfigurationError($"{path}: not valid JSON: {e.InnerException?.Message ?? e.Message}");
        }
        catch (FormatException e)
        {
            throw new ConfigurationError($"{path} or the command line: {e.Message}");
        }
        return (StrictBinder.Bind<WinnowSettings>(raw, ""), raw);
    }
}
