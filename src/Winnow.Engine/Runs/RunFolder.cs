using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Winnow.Engine.Configuration;

namespace Winnow.Engine.Runs;

/// <summary>The folder one run writes: <c>config.json</c>, <c>metrics.csv</c> and <c>summary.json</c>.
/// Every run gets a new folder; no run ever writes into another's.</summary>
public sealed class RunFolder
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private RunFolder(string path) => Path = path;

    public string Path { get; }
    public string Id => System.IO.Path.GetFileName(Path);
    public string MetricsCsv => System.IO.Path.Combine(Path, "metrics.csv");
    public string SummaryJson => System.IO.Path.Combine(Path, "summary.json");
    public string ConfigJson => System.IO.Path.Combine(Path, "config.json");

    /// <summary>Creates <c>&lt;root&gt;/&lt;time&gt;-&lt;label&gt;</c>, adding <c>-2</c>, <c>-3</c>, … when that name is taken.
    /// A folder is claimed by creating its marker file exclusively, so two runs started at once never share one.</summary>
    public static RunFolder Create(string root, string label)
    {
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the output folder {root}: {e.Message}", e);
        }
        var stem = $"{DateTime.Now:yyyyMMdd-HHmmss}-{Sanitize(label)}";
        for (var n = 1; ; n++)
        {
            var path = System.IO.Path.Combine(root, n == 1 ? stem : $"{stem}-{n}");
            if (Directory.Exists(path)) continue;
            try
            {
                Directory.CreateDirectory(path);
                using (new FileStream(System.IO.Path.Combine(path, ".run"), FileMode.CreateNew, FileAccess.Write)) { }
                return new RunFolder(path);
            }
            catch (IOException) when (File.Exists(System.IO.Path.Combine(path, ".run")))
            {
                // Another run claimed this name between our check and our claim: take the next.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot create a run folder in {root}: {e.Message}", e);
            }
        }
    }

    /// <summary>An existing run folder, for <c>resume</c>.</summary>
    /// <exception cref="DirectoryNotFoundException">it does not exist, or is not a run folder.</exception>
    public static RunFolder Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"run folder not found: {full}");
        if (!File.Exists(System.IO.Path.Combine(full, SavedSettings.FileName)))
            throw new DirectoryNotFoundException($"{full} is not a run folder (it has no {SavedSettings.FileName})");
        return new RunFolder(full);
    }

    /// <summary>Keeps the header and the first <paramref name="rows"/> rows of a CSV file of this folder (nothing if it does not exist).</summary>
    public void KeepCsvRows(string path, int rows)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        if (lines.Length <= rows + 1) return;
        WriteAtomically(path, string.Join('\n', lines.Take(rows + 1)) + "\n");
    }

    public void WriteConfig(object resolved) => WriteAtomically(ConfigJson, JsonSerializer.Serialize(resolved, Json));

    public void WriteSummary(RunSummary summary) => WriteAtomically(SummaryJson, JsonSerializer.Serialize(summary, Json));

    /// <summary>Appends a row, flushed to disk, so a killed run keeps every epoch it finished.</summary>
    public void AppendMetrics(EpochMetrics row) => AppendLine(MetricsCsv, EpochMetrics.CsvHeader, row.ToCsv());

    /// <summary>Appends a line to a CSV file of this folder (writing the header first when the file is new), flushed to disk.</summary>
    public void AppendLine(string path, string header, string line)
    {
        var isNew = !File.Exists(path);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        if (isNew) writer.WriteLine(header);
        writer.WriteLine(line);
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes a whole file of this folder atomically.</summary>
    public void WriteText(string path, string text) => WriteAtomically(path, text);

    // Write-then-rename: a reader (or a crash) never sees half a file.
    private static void WriteAtomically(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text.EndsWith('\n') ? text : text + "\n", new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }

    private static string Sanitize(string label) =>
        new(label.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
}
