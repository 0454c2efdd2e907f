using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Winnow.Engine.Configuration;

namespace Winnow.Engine.Sweeps;

/// <summary>A sweep file: a base configuration and the keys to vary.</summary>
/// <remarks>
/// <code>
/// {
///   "Name": "quick",                        optional; default: the file's name without extension
///   "Description": "...",                   optional, shown in the report
///   "Output": "../runs/sweeps/quick",       optional; relative to the sweep file's folder; default runs/sweeps/&lt;name&gt; in the current folder
///   "Base": "../appsettings.json",          a configuration file (relative to the sweep file), or the configuration itself inline
///   "Vary": {                               key → list of values; every combination runs, the first key varying slowest
///     "Run:Policy:Name": [ "full", "ucb" ],
///     "Run:Policy:Options:KeepFraction": [ 0.5, 0.3 ],
///     "Run:Seed": [ 1, 2 ]
///   },
///   "Claims": [                             optional: statements the report gives a verdict on, over the seeds both sides share
///     { "Claim": "ucb is at least as good as random", "Better": "ucb KeepFraction=0.3", "Than": "random-dynamic KeepFraction=0.3" }
///   ]
/// }
/// </code>
/// A value may also be an object, which replaces the whole section under its key (<c>"Run:Policy": [ { "Name": "ucb", "Options": { "C": 2 } } ]</c>).
/// Relative paths inside the base configuration start at its own folder (the sweep file's folder when it is inline).
/// </remarks>
public sealed class SweepDefinition
{
    public const string SeedKey = "Run:Seed";

    private static readonly string[] TopLevelKeys = ["Name", "Description", "Output", "Base", "Vary", "Claims"];

    private SweepDefinition(string file, string name, string? description, string? output, IReadOnlyDictionary<string, string> baseValues,
        string baseDirectory, IReadOnlyList<VariedKey> vary, IReadOnlyList<SweepClaim> claims)
    {
        Claims = claims;
        File = file;
        Name = name;
        Description = description;
        Output = output;
        Base = baseValues;
        BaseDirectory = baseDirectory;
        Vary = vary;
    }

    /// <summary>The sweep file's full path.</summary>
    public string File { get; }

    public string Name { get; }

    public string? Description { get; }

    /// <summary>The output folder as written in the file (relative to the file's folder), or null for the default.</summary>
    public string? Output { get; }

    /// <summary>The base configuration as flat keys (<c>Run:Epochs</c>), after environment variables and command-line overrides.</summary>
    public IReadOnlyDictionary<string, string> Base { get; }

    /// <summary>The folder relative paths of the base configuration start from.</summary>
    public string BaseDirectory { get; }

    /// <summary>The varied keys in file order, each with its values.</summary>
    public IReadOnlyList<VariedKey> Vary { get; }

    /// <summary>The claims the report gives a verdict on, in file order; each names two configurations of the sweep.</summary>
    public IReadOnlyList<SweepClaim> Claims { get; }

    /// <summary>Reads a sweep file and layers <c>WINNOW_</c> environment variables and <paramref name="overrides"/> (command-line form,
    /// <c>--Run:Epochs=2</c>) onto its base. An override may not name a varied key.</summary>
    /// <exception cref="ConfigurationError">the file is missing, not JSON, or not a sweep file.</exception>
    public static SweepDefinition Load(string path, IReadOnlyList<string> overrides)
    {
        var file = Path.GetFullPath(path);
        using (var document = JsonFiles.Parse(file, "sweep file"))
            return Parse(file, document.RootElement, overrides);
    }

    /// <summary>Parses a sweep file's content; <paramref name="file"/> names it in messages and anchors relative paths.</summary>
    public static SweepDefinition Parse(string file, JsonElement root, IReadOnlyList<string> overrides)
    {
        var problems = new List<string>();
        if (root.ValueKind != JsonValueKind.Object) throw new ConfigurationError($"{file}: a sweep file is a JSON object with Base and Vary");
        foreach (var p in root.EnumerateObject())
            if (!TopLevelKeys.Contains(p.Name, StringComparer.OrdinalIgnoreCase))
                problems.Add($"{file}: unknown key '{p.Name}'; a sweep file has {string.Join(", ", TopLevelKeys)}");
        var folder = Path.GetDirectoryName(file)!;
        var name = String(root, "Name", file, problems) ?? Path.GetFileNameWithoutExtension(file);
        if (string.IsNullOrWhiteSpace(name)) problems.Add($"{file}: Name is empty: give the sweep a name, or leave Name out to take the file's");
        var description = String(root, "Description", file, problems);
        var output = String(root, "Output", file, problems);
        if (output is not null && output.Trim().Length == 0) problems.Add($"{file}: Output is empty: give a folder, or leave Output out for runs/sweeps/<name>");

        // The base: a file of its own or inline; then the environment and the command line, as for a single run.
        var builder = new ConfigurationBuilder();
        var baseDirectory = folder;
        if (!TryGet(root, "Base", out var baseElement))
            problems.Add($"{file}: Base is missing: the configuration every run starts from (a file name, or the configuration inline)");
        else if (baseElement.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(baseElement.GetString()))
            problems.Add($"{file}: Base is empty: name a configuration file, or give the configuration inline");
        else if (baseElement.ValueKind == JsonValueKind.String)
        {
            var basePath = Path.GetFullPath(baseElement.GetString()!, folder);
            try
            {
                builder.AddJsonStream(JsonFiles.Open(basePath, "configuration file"));
                baseDirectory = Path.GetDirectoryName(basePath)!;
            }
            catch (ConfigurationError e)
            {
                problems.Add($"{file}: Base: {e.Message}");
            }
        }
        else if (baseElement.ValueKind == JsonValueKind.Object)
            builder.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(baseElement.GetRawText())));
        else problems.Add($"{file}: Base must be a configuration file name or an object, not {baseElement.ValueKind}");

        var vary = new List<VariedKey>();
        if (!TryGet(root, "Vary", out var varyElement) || varyElement.ValueKind != JsonValueKind.Object)
            problems.Add($"{file}: Vary is missing or not an object: key → list of values, e.g. \"Run:Policy:Name\": [\"full\", \"ucb\"]");
        else
        {
            foreach (var p in varyElement.EnumerateObject())
            {
                var key = p.Name.Trim();
                if (p.Value.ValueKind != JsonValueKind.Array || p.Value.GetArrayLength() == 0)
                {
                    problems.Add($"{file}: Vary:{key}: expected a non-empty list of values");
                    continue;
                }
                if (!key.StartsWith("Run:", StringComparison.OrdinalIgnoreCase) && !key.StartsWith("Plugins:", StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{file}: Vary:{key}: only Run:… and Plugins:… keys can vary");
                if (string.Equals(key, "Run:OutputDirectory", StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{file}: Vary:{key}: the sweep chooses each run's output folder itself");
                if (vary.Any(v => Overlaps(v.Key, key)))
                    problems.Add($"{file}: Vary:{key}: overlaps another varied key ({vary.First(v => Overlaps(v.Key, key)).Key})");
                var values = p.Value.EnumerateArray().Select(v => (IReadOnlyList<KeyValuePair<string, string>>)Flatten(key, v).ToList()).ToList();
                vary.Add(new VariedKey(key, values));
            }
        }
        var claims = ParseClaims(root, file, problems);
        if (problems.Count > 0) throw new ConfigurationError(problems);

        foreach (var o in overrides)
        {
            var key = o.TrimStart('-').Split('=', 2)[0];
            if (o.StartsWith("--", StringComparison.Ordinal) && vary.Any(v => Overlaps(v.Key, key)))
                problems.Add($"{o}: {key} is varied by the sweep; change its list in {file} instead");
        }
        if (problems.Count > 0) throw new ConfigurationError(problems);
        IConfigurationRoot raw;
        try
        {
            raw = builder.AddEnvironmentVariables(SettingsLoader.EnvironmentPrefix).AddCommandLine(overrides.ToArray()).Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            throw new ConfigurationError($"{file}: the base configuration is not readable: {e.InnerException?.Message ?? e.Message}");
        }
        var baseValues = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in raw.AsEnumerable())
            if (value is not null) baseValues[key] = value;
        return new SweepDefinition(file, name, description, output, baseValues, baseDirectory, vary, claims);
    }

    private static List<SweepClaim> ParseClaims(JsonElement root, string file, List<string> problems)
    {
        var claims = new List<SweepClaim>();
        if (!TryGet(root, "Claims", out var element) || element.ValueKind == JsonValueKind.Null) return claims;
        if (element.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"{file}: Claims must be a list of {{ \"Claim\", \"Better\", \"Than\" }} objects");
            return claims;
        }
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            var at = $"{file}: Claims:{i++}";
            if (item.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{at}: expected an object with Claim, Better and Than");
                continue;
            }
            foreach (var p in item.EnumerateObject())
                if (p.Name is not ("Claim" or "Better" or "Than"))
                    problems.Add($"{at}: unknown key '{p.Name}'; a claim has Claim, Better and Than");
            string? Field(string name)
            {
                var value = String(item, name, at, problems);
                if (string.IsNullOrWhiteSpace(value)) problems.Add($"{at}: {name} is missing or empty" + (name == "Claim" ? "" : ": name a configuration of the report, e.g. \"ucb KeepFraction=0.3\""));
                return value?.Trim();
            }
            var (claim, better, than) = (Field("Claim"), Field("Better"), Field("Than"));
            if (claim is null || better is null || than is null || claim.Length == 0 || better.Length == 0 || than.Length == 0) continue;
            if (better == than) problems.Add($"{at}: Better and Than are the same configuration ('{better}')");
            else claims.Add(new SweepClaim(claim, better, than));
        }
        return claims;
    }

    /// <summary>A JSON value as configuration keys under <paramref name="key"/>: objects by property, arrays by index;
    /// numbers as written, booleans lower-case, null as empty (which clears the key).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Flatten(string key, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var any = false;
                foreach (var p in value.EnumerateObject())
                {
                    any = true;
                    foreach (var kv in Flatten(key + ":" + p.Name, p.Value)) yield return kv;
                }
                if (!any) yield return new(key, "");
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in value.EnumerateArray())
                    foreach (var kv in Flatten(key + ":" + (i++).ToString(CultureInfo.InvariantCulture), item)) yield return kv;
                break;
            case JsonValueKind.String:
                yield return new(key, value.GetString()!);
                break;
            case JsonValueKind.True:
                yield return new(key, "true");
                break;
            case JsonValueKind.False:
                yield return new(key, "false");
                break;
            case JsonValueKind.Null:
                yield return new(key, "");
                break;
            default:
                yield return new(key, value.GetRawText());
                break;
        }
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> are the same key or one is a section holding the other.</summary>
    public static bool Overlaps(string a, string b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase) || IsUnder(a, b) || IsUnder(b, a);

    /// <summary>Whether <paramref name="key"/> lies inside the section <paramref name="section"/>.</summary>
    public static bool IsUnder(string key, string section) =>
        key.Length > section.Length && key[section.Length] == ':' && key.StartsWith(section, StringComparison.OrdinalIgnoreCase);

    private static bool TryGet(JsonElement root, string name, out JsonElement value)
    {
        foreach (var p in root.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = p.Value;
                return true;
            }
        value = default;
        return false;
    }

    private static string? String(JsonElement root, string name, string file, List<string> problems)
    {
        if (!TryGet(root, name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        problems.Add($"{file}: {name} must be a string");
        return null;
    }
}

/// <summary>A statement the report checks: configuration <paramref name="Better"/> has a higher final accuracy than
/// <paramref name="Than"/>. Both are configuration labels as the report prints them (the run label without its seed).</summary>
public sealed record SweepClaim(string Claim, string Better, string Than);

/// <summary>A key a sweep varies and its values, each already flattened into configuration keys.</summary>
public sealed record VariedKey(string Key, IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Values);
