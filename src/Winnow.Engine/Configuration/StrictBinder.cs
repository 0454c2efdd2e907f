using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Winnow.Engine.Configuration;

/// <summary>Binds a configuration section to an options class and refuses what does not fit, naming the full key:
/// unknown keys (with the valid ones and a likely intended one), values of the wrong type, and values the class's
/// DataAnnotations reject. Microsoft's binder silently ignores unknown keys, and a misspelled option that is ignored
/// makes an experiment wrong without a word; hence this one.</summary>
public static class StrictBinder
{
    /// <summary>Binds <paramref name="section"/> (absent or empty is fine: the defaults stand) to a new <paramref name="type"/>.</summary>
    /// <exception cref="ConfigurationError">listing every problem found.</exception>
    public static object Bind(IConfiguration section, Type type, string path)
    {
        var problems = new List<string>();
        var result = BindObject(section, type, path, problems, existing: null);
        if (problems.Count == 0) Validate(result, path, problems);
        if (problems.Count > 0) throw new ConfigurationError(problems);
        return result;
    }

    public static T Bind<T>(IConfiguration section, string path) where T : class, new() => (T)Bind(section, typeof(T), path);

    /// <summary>The properties that are configuration keys: public, readable and settable; a base class's first.</summary>
    public static IEnumerable<PropertyInfo> Keys(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetSetMethod() is not null)
            .OrderBy(p => Depth(p.DeclaringType!));

    private static int Depth(Type t)
    {
        var depth = 0;
        for (var b = t.BaseType; b is not null; b = b.BaseType) depth++;
        return depth;
    }

    /// <summary>A value as it is written in configuration: invariant numbers, lower-case booleans and enum names.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        Enum e => e.ToString().ToLowerInvariant(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // Binds into an existing nested instance where there is one, so keys the section leaves out keep their defaults.
    private static object BindObject(IConfiguration section, Type type, string path, List<string> problems, object? existing)
    {
        var instance = existing ?? Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"{type} has no public parameterless constructor");
        var keys = Keys(type).ToList();
        foreach (var child in section.GetChildren())
        {
            // An empty value unsets a key, so a command line can clear what the file set: --Run:Dataset:Options:Path=
            if (string.IsNullOrEmpty(child.Value) && !child.GetChildren().Any()) continue;
            var key = Join(path, child.Key);
            var property = keys.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                problems.Add(UnknownKey(key, child.Key, keys.Select(p => p.Name).ToList()));
                continue;
            }
            if (TryConvert(child, property.PropertyType, key, problems, property.GetValue(instance), out var value, property))
                property.SetValue(instance, value);
        }
        return instance;
    }

    private static bool TryConvert(IConfigurationSection section, Type type, string key, List<string> problems, object? existing, out object? value,
        PropertyInfo? property = null)
    {
        value = null;
        if (type == typeof(IConfigurationSection))
        {
            value = section;
            return true;
        }
        var hasChildren = section.GetChildren().Any();
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(underlying))
        {
            if (hasChildren)
            {
                problems.Add($"{key}: expected a single {Describe(underlying)} value, found a section");
                return false;
            }
            // JSON null and an empty string leave the default in place.
            if (string.IsNullOrEmpty(section.Value) && underlying != typeof(string)) return false;
            if (TryParse(section.Value ?? "", underlying, out value)) return true;
            problems.Add(OutOfRange(section.Value ?? "", underlying, property) is { } range
                ? $"{key}: {section.Value} is out of range: {range}"
                : $"{key}: '{section.Value}' is not {Article(underlying)} {Describe(underlying)}");
            return false;
        }
        var element = type.IsArray ? type.GetElementType()
            : type.IsGenericType && type.GetGenericTypeDefinition() is var g && (g == typeof(List<>) || g == typeof(IReadOnlyList<>) || g == typeof(IList<>))
                ? type.GetGenericArguments()[0] : null;
        if (element is not null)
        {
            // A value as well as items: the file gave a scalar where the command line or the environment added items. Both are meant.
            if (!string.IsNullOrEmpty(section.Value))
            {
                problems.Add($"{key}: expected a list, found '{section.Value}'");
                return false;
            }
            var items = new List<object?>();
            foreach (var child in section.GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue))
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    problems.Add($"{Join(key, child.Key)}: a list takes items 0, 1, 2, …, not '{child.Key}'");
                    continue;
                }
                if (TryConvert(child, element, Join(key, child.Key), problems, null, out var item)) items.Add(item);
            }
            var array = Array.CreateInstance(element, items.Count);
            for (var i = 0; i < items.Count; i++) array.SetValue(items[i], i);
            value = type.IsArray ? array : Activator.CreateInstance(typeof(List<>).MakeGenericType(element), array);
            return true;
        }
        // Refused even when keys come with it: "Run": "fast" in the file and --Run:Epochs=3 on the command line would otherwise drop "fast" unseen.
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add($"{key}: expected a section with keys ({string.Join(", ", Keys(type).Select(p => p.Name))}), found '{section.Value}'");
            return false;
        }
        value = BindObject(section, type, key, problems, existing);
        return true;
    }

    /// <summary>Why <paramref name="text"/>, a whole number too large or small for <paramref name="type"/>, is out of range: the option's
    /// own range when it has one, else the type's. Null when the text is not a whole number at all.</summary>
    private static string? OutOfRange(string text, Type type, PropertyInfo? property)
    {
        if (type != typeof(int) && type != typeof(long)) return null;
        if (!System.Numerics.BigInteger.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)) return null;
        if (property?.GetCustomAttribute<RangeAttribute>() is { } range)
            return $"it must be between {Format(range.Minimum)} and {Format(range.Maximum)}";
        return type == typeof(int) ? $"a whole number here is between {int.MinValue} and {int.MaxValue}" : $"a whole number here is between {long.MinValue} and {long.MaxValue}";
    }

    private static bool IsScalar(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan);

    private static bool TryParse(string text, Type type, out object? value)
    {
        var inv = CultureInfo.InvariantCulture;
        value = null;
        if (type == typeof(string)) { value = text; return true; }
        if (type.IsEnum)
        {
            // Numbers are refused: an enum option is chosen by name.
            if (text.Length > 0 && (char.IsDigit(text[0]) || text[0] == '-')) return false;
            if (!Enum.TryParse(type, text, ignoreCase: true, out var e)) return false;
            value = e;
            return true;
        }
        if (type == typeof(bool)) { if (!bool.TryParse(text, out var b)) return false; value = b; return true; }
        if (type == typeof(int)) { if (!int.TryParse(text, NumberStyles.Integer, inv, out var v)) return false; value = v; return true; }
        if (type == typeof(long)) { if (!long.TryParse(text, NumberStyles.Integer, inv, out var v)) return false; value = v; return true; }
        if (type == typeof(double))
        {
            if (!double.TryParse(text, NumberStyles.Float, inv, out var v) || !double.IsFinite(v)) return false;
            value = v;
            return true;
        }
        if (type == typeof(float))
        {
            if (!float.TryParse(text, NumberStyles.Float, inv, out var v) || !float.IsFinite(v)) return false;
            value = v;
            return true;
        }
        if (type == typeof(TimeSpan)) { if (!TimeSpan.TryParse(text, inv, out var v)) return false; value = v; return true; }
        try
        {
            value = Convert.ChangeType(text, type, inv);
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException)
        {
            return false;
        }
    }

    private static void Validate(object instance, string path, List<string> problems)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true);
        foreach (var r in results)
        {
            var members = r.MemberNames.ToList();
            var key = members.Count > 0 ? string.Join(", ", members.Select(m => Join(path, m))) : path;
            problems.Add($"{key}: {r.ErrorMessage}{CurrentValue(instance, members)}");
        }
        foreach (var p in Keys(instance.GetType()))
        {
            var t = p.PropertyType;
            if (IsScalar(Nullable.GetUnderlyingType(t) ?? t) || t == typeof(IConfigurationSection) || typeof(IEnumerable).IsAssignableFrom(t)) continue;
            if (p.GetValue(instance) is { } nested) Validate(nested, Join(path, p.Name), problems);
        }
    }

    private static string CurrentValue(object instance, List<string> members)
    {
        if (members.Count != 1) return "";
        var value = instance.GetType().GetProperty(members[0])?.GetValue(instance);
        return value is null ? "" : string.Create(CultureInfo.InvariantCulture, $" (got {value})");
    }

    private static string UnknownKey(string key, string given, IReadOnlyList<string> valid)
    {
        if (valid.Count == 0) return $"{key}: unknown key; this section takes no keys";
        var nearest = valid.MinBy(v => Distance(given.ToLowerInvariant(), v.ToLowerInvariant()))!;
        var hint = Distance(given.ToLowerInvariant(), nearest.ToLowerInvariant()) <= Math.Max(2, given.Length / 3) ? $" (did you mean '{nearest}'?)" : "";
        return $"{key}: unknown key{hint}; valid keys here: {string.Join(", ", valid)}";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) d[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = d[0];
            d[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return d[b.Length];
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : path + ":" + key;

    private static string Describe(Type t) => t.IsEnum
        ? "value (one of " + string.Join(", ", Enum.GetNames(t).Select(n => n.ToLowerInvariant())) + ")"
        : t == typeof(int) || t == typeof(long) ? "whole number"
        : t == typeof(double) || t == typeof(float) || t == typeof(decimal) ? "finite number"
        : t == typeof(bool) ? "boolean (true or false)"
        : t.Name;

    private static string Article(Type t) => Describe(t)[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an" : "a";
}
