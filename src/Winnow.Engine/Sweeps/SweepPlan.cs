using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;

namespace Winnow.Engine.Sweeps;

/// <summary>One run of a sweep: the values its varied keys take and the complete configuration that results.</summary>
/// <param name="Values">The varied keys' values as configuration keys, in the sweep file's order, without skipped keys.</param>
/// <param name="Skipped">Keys left out because the chosen plugin has no such option.</param>
/// <param name="Settings">The whole configuration of the run as flat keys (base, then the varied values, less the skipped keys).</param>
/// <param name="Label">What the run is, for people: <c>ucb KeepFraction=0.3 seed=1</c>.</param>
/// <param name="Configuration">The label without the seed: runs that differ only by seed share it, and the report averages over them.</param>
public sealed record SweepCombination(
    IReadOnlyList<KeyValuePair<string, string>> Values,
    IReadOnlyList<string> Skipped,
    IReadOnlyDictionary<string, string> Settings,
    string Label,
    string Configuration)
{
    /// <summary>What makes two combinations the same run: their varied values.</summary>
    public string Identity => SweepPlan.IdentityOf(Values);

    /// <summary>The value of <paramref name="key"/> in this run's configuration, or null.</summary>
    public string? Get(string key) => Settings.TryGetValue(key, out var v) ? v : null;
}

/// <summary>Expands a sweep definition into its runs.</summary>
/// <remarks>
/// Every combination of the varied values is a run, the first varied key changing slowest. A varied key replaces that key, and
/// everything under it, in the base configuration.
/// <para><b>Options a plugin does not have are skipped.</b> A key <c>Run:&lt;Kind&gt;:Options:&lt;Option&gt;</c> (varied or from the base)
/// is left out of a run whose chosen plugin of that kind has no option of that name: <c>full</c> has no <c>KeepFraction</c>, so
/// sweeping policies over keep fractions runs <c>full</c> once, not once per keep fraction. Combinations that become identical
/// after skipping run once. A key that no loaded plugin of its kind has at all is a mistake (a typo) and stops the sweep before
/// anything runs. When <c>Run:Scorer:Name</c> is empty (the policy chooses) scorer options are never skipped.</para>
/// </remarks>
public static class SweepPlan
{
    private static readonly (PluginKind Kind, string Section, string DefaultName)[] Kinds =
    [
        (PluginKind.Model, "Run:Model", new RunSettings().Model.Name),
        (PluginKind.Dataset, "Run:Dataset", new RunSettings().Dataset.Name),
        (PluginKind.Scorer, "Run:Scorer", new RunSettings().Scorer.Name),
        (PluginKind.Policy, "Run:Policy", new RunSettings().Policy.Name),
    ];

    /// <exception cref="ConfigurationError">an option key belongs to no loaded plugin of its kind.</exception>
    public static IReadOnlyList<SweepCombination> Expand(SweepDefinition sweep, IPluginOptionKeys options)
    {
        var problems = new List<string>();
        var result = new List<SweepCombination>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var choice in Cartesian(sweep.Vary))
        {
            var settings = new Dictionary<string, string>(sweep.Base, StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < choice.Length; i++)
            {
                var key = sweep.Vary[i].Key;
                foreach (var k in settings.Keys.Where(k => SweepDefinition.Overlaps(k, key) && !SweepDefinition.IsUnder(key, k)).ToList()) settings.Remove(k);
                foreach (var (k, v) in choice[i]) settings[k] = v;
            }

            var skipped = new List<string>();
            foreach (var (kind, section, defaultName) in Kinds)
            {
                var name = settings.TryGetValue(section + ":Name", out var n) ? n : defaultName;
                if (name.Length == 0) continue;
                var known = options.Of(kind, name);
                if (known is null) continue; // an unknown plugin: composing the run names it
                var prefix = section + ":Options:";
                foreach (var key in settings.Keys.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    var option = key[prefix.Length..].Split(':')[0];
                    if (known.Contains(option, StringComparer.OrdinalIgnoreCase)) continue;
                    if (!options.AnyOf(kind).Contains(option, StringComparer.OrdinalIgnoreCase))
                    {
                        var valid = options.AnyOf(kind).Order(StringComparer.Ordinal).ToList();
                        problems.Add($"{key}: no loaded {PluginCatalog.Label(kind)} plugin has an option '{option}'" +
                                     (valid.Count == 0 ? "" : $"; the options of {PluginCatalog.Label(kind)} plugins are {string.Join(", ", valid)}"));
                    }
                    settings.Remove(key);
                    skipped.Add(key);
                }
            }

            var values = new List<KeyValuePair<string, string>>();
            var labelParts = new List<string>();
            var configurationParts = new List<string>();
            for (var i = 0; i < choice.Length; i++)
            {
                var key = sweep.Vary[i].Key;
                var kept = choice[i].Where(kv => settings.ContainsKey(kv.Key)).ToList();
                values.AddRange(kept);
                var part = LabelOf(key, kept);
                if (part.Length == 0) continue;
                labelParts.Add(part);
                if (!string.Equals(key, SweepDefinition.SeedKey, StringComparison.OrdinalIgnoreCase)) configurationParts.Add(part);
            }
            var combination = new SweepCombination(values, skipped.Distinct(StringComparer.OrdinalIgnoreCase).ToList(), settings,
                labelParts.Count == 0 ? "base" : string.Join(' ', labelParts),
                configurationParts.Count == 0 ? "base" : string.Join(' ', configurationParts));
            if (seen.Add(combination.Identity)) result.Add(combination);
        }
        if (problems.Count > 0) throw new ConfigurationError(problems.Distinct().ToList());
        return result;
    }

    /// <summary>The canonical text of a run's varied values, which identifies it in <c>sweep.json</c>.</summary>
    public static string IdentityOf(IEnumerable<KeyValuePair<string, string>> values) =>
        string.Join('\n', values.Select(kv => kv.Key.ToLowerInvariant() + "=" + kv.Value));

    // name → the value; Run:Seed → seed=1; other → LastSegment=value; an object's entries the same way, Options: dropped.
    private static string LabelOf(string key, IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        var parts = new List<string>();
        foreach (var (k, v) in entries)
        {
            var relative = k.Length > key.Length ? k[(key.Length + 1)..] : LastSegment(k);
            if (relative.StartsWith("Options:", StringComparison.OrdinalIgnoreCase)) relative = relative["Options:".Length..];
            if (string.Equals(LastSegment(k), "Name", StringComparison.OrdinalIgnoreCase)) parts.Add(v.Length == 0 ? "(none)" : v);
            else if (string.Equals(k, SweepDefinition.SeedKey, StringComparison.OrdinalIgnoreCase)) parts.Add("seed=" + v);
            else parts.Add(relative + "=" + v);
        }
        return string.Join(' ', parts);
    }

    private static string LastSegment(string key) => key[(key.LastIndexOf(':') + 1)..];

    private static IEnumerable<IReadOnlyList<KeyValuePair<string, string>>[]> Cartesian(IReadOnlyList<VariedKey> vary)
    {
        var index = new int[vary.Count];
        while (true)
        {
            yield return vary.Select((v, i) => v.Values[index[i]]).ToArray();
            var position = vary.Count - 1;
            while (position >= 0 && ++index[position] == vary[position].Values.Count)
            {
                index[position] = 0;
                position--;
            }
            if (position < 0) yield break;
        }
    }
}
