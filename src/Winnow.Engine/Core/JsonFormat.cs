using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Winnow.Engine.Core;

/// <summary>How every JSON file Winnow writes looks: indented, camelCase, enums as kebab-case words.</summary>
public static class JsonFormat
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        // A diverged run's last losses may be NaN or infinite; its record must still be written (as "NaN", "Infinity"), not crash.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
