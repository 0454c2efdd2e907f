using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Winnow.Engine.Configuration;

namespace Winnow.Engine.Plugins;

/// <summary>One key of a plugin's options class as the plugin listing shows it.</summary>
/// <param name="Name">The key, as written in configuration.</param>
/// <param name="Type">The value's type in configuration terms: <c>int</c>, <c>double</c>, <c>bool</c>, <c>string</c>, or an enum's values (<c>psp|none</c>).</param>
/// <param name="Default">The value a fresh options object holds, formatted as configuration writes it.</param>
/// <param name="Range">What the DataAnnotations allow (<c>(0, 1]</c>, <c>&gt;= 1</c>, <c>required</c>), or empty.</param>
/// <param name="Description">The <c>&lt;summary&gt;</c> of the property from the XML documentation beside the plugin's DLL, or empty.</param>
public sealed record OptionDescription(string Name, string Type, string Default, string Range, string Description);

/// <summary>Describes an options class from its properties, their DataAnnotations, and the XML documentation file the compiler
/// writes beside each assembly (<c>&lt;Assembly&gt;.xml</c>, member <c>P:Namespace.Type.Property</c>).</summary>
public static class OptionDescriptions
{
    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> Documentation = new(StringComparer.Ordinal);

    /// <summary>Every key of <paramref name="optionsType"/> in binding order (base class keys first).</summary>
    public static IReadOnlyList<OptionDescription> Of(Type optionsType)
    {
        var defaults = Activator.CreateInstance(optionsType);
        return StrictBinder.Keys(optionsType)
            .Select(p => new OptionDescription(p.Name, TypeName(p.PropertyType), StrictBinder.Format(p.GetValue(defaults)), RangeOf(p), SummaryOf(p)))
            .ToList();
    }

    /// <summary>The type as a user writes values of it.</summary>
    public static string TypeName(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null) return TypeName(underlying) + "?";
        if (type.IsEnum) return string.Join("|", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "bool",
            TypeCode.Int32 => "int",
            TypeCode.Int64 => "long",
            TypeCode.Single => "float",
            TypeCode.Double => "double",
            TypeCode.Decimal => "decimal",
            TypeCode.String => "string",
            _ => type.Name,
        };
    }

    /// <summary>The allowed values from <see cref="RangeAttribute"/>, <see cref="RequiredAttribute"/>, <see cref="AllowedValuesAttribute"/>
    /// and the length attributes; empty when there are none.</summary>
    public static string RangeOf(PropertyInfo property)
    {
        var parts = new List<string>();
        if (property.GetCustomAttribute<RangeAttribute>() is { } range) parts.Add(Interval(range));
        if (property.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
            parts.Add("one of " + string.Join(", ", allowed.Values.Select(StrictBinder.Format)));
        if (property.GetCustomAttribute<StringLengthAttribute>() is { } length)
            parts.Add(length.MinimumLength > 0 ? $"length {length.MinimumLength}..{length.MaximumLength}" : $"length <= {length.MaximumLength}");
        if (property.GetCustomAttribute<MinLengthAttribute>() is { } min) parts.Add($"length >= {min.Length}");
        if (property.GetCustomAttribute<MaxLengthAttribute>() is { } max) parts.Add($"length <= {max.Length}");
        if (property.GetCustomAttribute<RequiredAttribute>() is not null) parts.Add("required");
        return string.Join(", ", parts);
    }

    private static string Interval(RangeAttribute range)
    {
        var low = Bound(range.Minimum);
        var high = Bound(range.Maximum);
        var lowExclusive = range.MinimumIsExclusive;
        // [Range(double.Epsilon, …)] is how a positive-only double is written without MinimumIsExclusive.
        if (range.Minimum is double.Epsilon or float.Epsilon && !lowExclusive) (low, lowExclusive) = ("0", true);
        var lowOpen = IsInfinite(range.Minimum, negative: true);
        var highOpen = IsInfinite(range.Maximum, negative: false);
        return (lowOpen, highOpen) switch
        {
            (true, true) => "any",
            (false, true) => (lowExclusive ? "> " : ">= ") + low,
            (true, false) => (range.MaximumIsExclusive ? "< " : "<= ") + high,
            _ => $"{(lowExclusive ? '(' : '[')}{low}, {high}{(range.MaximumIsExclusive ? ')' : ']')}",
        };
    }

    private static string Bound(object value) => value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? "";

    // int.MaxValue and double.MaxValue are how a [Range] says "no upper bound".
    private static bool IsInfinite(object value, bool negative) => value switch
    {
        int i => i == (negative ? int.MinValue : int.MaxValue),
        long l => l == (negative ? long.MinValue : long.MaxValue),
        double d => double.IsInfinity(d) || d == (negative ? double.MinValue : double.MaxValue),
        float f => float.IsInfinity(f) || f == (negative ? float.MinValue : float.MaxValue),
        _ => false,
    };

    /// <summary>The property's documented summary as one line of plain text, or empty when the XML file or the member is missing.</summary>
    public static string SummaryOf(PropertyInfo property)
    {
        var type = property.DeclaringType;
        if (type is null || type.IsGenericType) return "";
        var members = DocumentationOf(type.Assembly);
        return members.TryGetValue($"P:{type.FullName?.Replace('+', '.')}.{property.Name}", out var summary) ? summary : "";
    }

    private static IReadOnlyDictionary<string, string> DocumentationOf(Assembly assembly)
    {
        var location = assembly.IsDynamic ? "" : assembly.Location;
        if (location.Length == 0) return new Dictionary<string, string>();
        return Documentation.GetOrAdd(Path.ChangeExtension(location, ".xml"), Read);
    }

    private static IReadOnlyDictionary<string, string> Read(string xmlPath)
    {
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(xmlPath)) return members;
        try
        {
            var doc = XDocument.Load(xmlPath);
            foreach (var member in doc.Descendants("member"))
            {
                var name = (string?)member.Attribute("name");
                var summary = member.Element("summary");
                if (name is null || summary is null) continue;
                members[name] = PlainText(summary);
            }
        }
        catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
        {
            // A broken documentation file costs the descriptions, never the listing.
        }
        return members;
    }

    /// <summary>The text of a documentation element: <c>&lt;see cref="T:A.B"/&gt;</c> becomes <c>B</c>, <c>&lt;c&gt;x&lt;/c&gt;</c> becomes <c>x</c>,
    /// white space collapses to single spaces.</summary>
    public static string PlainText(XElement element)
    {
        var text = new StringBuilder();
        Append(element, text);
        return string.Join(' ', text.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    private static void Append(XElement element, StringBuilder text)
    {
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText t:
                    text.Append(t.Value);
                    break;
                case XElement e when e.Name.LocalName is "see" or "seealso" or "paramref" or "typeparamref" && !e.Nodes().Any():
                    var reference = (string?)e.Attribute("cref") ?? (string?)e.Attribute("name") ?? (string?)e.Attribute("langword") ?? "";
                    var simple = reference.Contains(':') ? reference[(reference.IndexOf(':') + 1)..] : reference;
                    var paren = simple.IndexOf('(');
                    if (paren >= 0) simple = simple[..paren];
                    text.Append(simple.Contains('.') && !reference.StartsWith("!", StringComparison.Ordinal) ? simple[(simple.LastIndexOf('.') + 1)..] : simple);
                    break;
                case XElement e:
                    Append(e, text);
                    if (e.Name.LocalName is "para" or "br") text.Append(' ');
                    break;
            }
        }
    }
}
