using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Winnow.Engine.Core;

namespace Winnow.Engine.Configuration;

/// <summary>The effective configuration of a run as key/value pairs (after file, environment and command line were layered),
/// with the folder relative paths started from. Kept in the run folder (its settings file) so <c>resume</c> rebuilds the same run.</summary>
public sealed record SavedSettings(string BaseDirectory, SortedDictionary<string, string> Values)
{
    /// <summary>The run these settings belong to, set when its folder is made; every checkpoint records it too, so that a checkpoint
    /// from another run (copied, or reached through a link) is never resumed as this one's.</summary>
    public string? RunId { get; init; }

    /// <summary>Keys a resumed run may change: where plugins are, when to stop, and what a non-finite loss does (it changes nothing
    /// for a run that never meets one). Anything else would make it another run.</summary>
    public static readonly string[] ResumableKeys = ["Plugins:Directory", "Run:StopAfterEpoch", "Run:Device", "Run:NonFiniteLoss", "Runtime:MemoryReuse"];

    public static SavedSettings From(IConfiguration configuration, string baseDirectory)
    {
        var values = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is null) continue;
            if (key.StartsWith("Run:", StringComparison.OrdinalIgnoreCase) || key.StartsWith("Plugins:", StringComparison.OrdinalIgnoreCase))
                values[key] = value;
        }
        return new SavedSettings(baseDirectory, values);
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonFormat.Options);

    /// <summary>Reads saved settings from <paramref name="path"/> and applies <paramref name="overrides"/> (command-line form) to the
    /// keys that may change; a fixed key given at its saved value changes nothing and is accepted.</summary>
    public static (WinnowSettings Settings, SavedSettings Saved) Load(string path, IReadOnlyList<string> overrides)
    {
        SavedSettings saved;
        try
        {
            saved = JsonSerializer.Deserialize<SavedSettings>(File.ReadAllText(path), JsonFormat.Options) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new ConfigurationError($"{path}: not readable: {e.Message}");
        }
        var changes = new ConfigurationBuilder().AddCommandLine(overrides.ToArray()).Build().AsEnumerable().Where(kv => kv.Value is not null).ToList();
        var savedValues = new Dictionary<string, string>(saved.Values, StringComparer.OrdinalIgnoreCase);
        var refused = changes
            .Where(kv => !ResumableKeys.Contains(kv.Key, StringComparer.OrdinalIgnoreCase)
                         && !(savedValues.TryGetValue(kv.Key, out var was) && was == kv.Value))
            .Select(kv => kv.Key).ToList();
        if (refused.Count > 0)
            throw new ConfigurationError(refused.Select(k => $"{k}: cannot change when resuming (only {string.Join(", ", ResumableKeys)} can); start a new run instead").ToList());
        // Where the first session stopped is not where this one must: a resumed run goes to the end unless told otherwise.
        var kept = saved.Values.Where(kv => !string.Equals(kv.Key, "Run:StopAfterEpoch", StringComparison.OrdinalIgnoreCase));
        var raw = new ConfigurationBuilder()
            .AddInMemoryCollection(kept.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)))
            .AddInMemoryCollection(changes)
            .Build();
        return (StrictBinder.Bind<WinnowSettings>(raw, ""), SavedSettings.From(raw, saved.BaseDirectory) with { RunId = saved.RunId });
    }
}
