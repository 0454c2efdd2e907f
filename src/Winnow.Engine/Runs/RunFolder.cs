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
        // A diverged run's last losses may be NaN or infinite; its record must still be written (as "NaN", "Infinity"), not crash.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The file that marks a folder as claimed by a run (created exclusively) and that the process training it holds locked.</summary>
    public const string MarkerFile = ".run";

    private RunFolder(string path) => Path = path;

    public string Path { get; }
    public string Id => System.IO.Path.GetFileName(Path);
    public string MetricsCsv => System.IO.Path.Combine(Path, "metrics.csv");
    public string SummaryJson => System.IO.Path.Combine(Path, "summary.json");
    public string ConfigJson => System.IO.Path.Combine(Path, "config.json");

    /// <summary>Creates <c>&lt;root&gt;/&lt;time&gt;-&lt;label&gt;</c>, adding <c>-2</c>, <c>-3</c>, … when that name is taken.
    /// A folder is claimed by creating its marker file exclusively, so two runs started at once never share one.</summary>
    /// <exception cref="IOException">the output folder cannot be created or written (the message says why: permission, full disk, read-only).</exception>
    public static RunFolder Create(string root, string label)
    {
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the output folder {root}: {Reason(e)}; set Run:OutputDirectory to a folder you can write to", e);
        }
        var stem = $"{DateTime.Now:yyyyMMdd-HHmmss}-{Sanitize(label)}";
        for (var n = 1; ; n++)
        {
            var path = System.IO.Path.Combine(root, n == 1 ? stem : $"{stem}-{n}");
            if (Directory.Exists(path)) continue;
            try
            {
                Directory.CreateDirectory(path);
                using (new FileStream(System.IO.Path.Combine(path, MarkerFile), FileMode.CreateNew, FileAccess.Write)) { }
                return new RunFolder(path);
            }
            catch (IOException) when (File.Exists(System.IO.Path.Combine(path, MarkerFile)))
            {
                // Another run claimed this name between our check and our claim: take the next.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot create a run folder in {root}: {Reason(e)}; set Run:OutputDirectory to a folder you can write to", e);
            }
        }
    }

    /// <summary>Takes the folder for this process until the returned handle is disposed (or the process ends, however it ends: the
    /// operating system drops the lock), so two processes never train into one folder, for example two <c>resume</c>s of it.</summary>
    /// <exception cref="IOException">another process holds it, or it cannot be written.</exception>
    public IDisposable Lock()
    {
        var marker = System.IO.Path.Combine(Path, MarkerFile);
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix and a sharing lock on Windows.
            return new FileStream(marker, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"cannot write to the run folder {Path}: {Reason(e)}", e);
        }
        catch (IOException e) when (File.Exists(marker) && !IsFull(e) && !IsReadOnly(e))
        {
            throw new IOException($"the run folder {Path} is in use by another winnow process (it is being trained or resumed right now); " +
                                  "wait for that process to end", e);
        }
        catch (IOException e)
        {
            throw new IOException($"cannot write to the run folder {Path}: {Reason(e)}", e);
        }
    }

    /// <summary>Removes a folder this process created for a run that could not start (best effort): no half-written folder is left.</summary>
    public void Discard() => DeleteQuietly(Path);

    /// <summary>Removes <paramref name="folder"/> and everything in it if it can; a failure is swallowed, because this only ever
    /// cleans up after another error, which is the one to report.</summary>
    public static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done.
        }
    }

    /// <summary>Why a write failed, in words a user acts on: the disk is full, the file system is read-only, permission is denied.</summary>
    public static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => $"permission denied ({e.Message})",
        IOException io when IsFull(io) => $"the disk is full ({e.Message})",
        IOException io when IsReadOnly(io) => $"the file system is read-only ({e.Message})",
        _ => e.Message,
    };

    // .NET on Unix puts the errno in HResult for the errors it has no own exception type for; the message is the fallback.
    private const int Enospc = 28, Erofs = 30, Edquot = 122;
    private const int WindowsDiskFull = unchecked((int)0x80070070), WindowsHandleDiskFull = unchecked((int)0x80070027);

    public static bool IsFull(IOException e) =>
        e.HResult is Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull
        || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("quota", StringComparison.OrdinalIgnoreCase);

    public static bool IsReadOnly(IOException e) =>
        e.HResult == Erofs || e.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase);

    /// <summary>An existing run folder, for <c>resume</c>.</summary>
    /// <exception cref="DirectoryNotFoundException">it does not exist, or is not a run folder.</exception>
    public static RunFolder Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"run folder not found: {full}");
        if (!File.Exists(System.IO.Path.Combine(full, SavedSettings.FileName)))
        {
            // Claimed (the marker is there) but never given its settings: the run was killed in the millisecond between the two.
            if (File.Exists(System.IO.Path.Combine(full, MarkerFile)))
                throw new DirectoryNotFoundException($"{full} holds no run: the run that created it was stopped before it wrote its {SavedSettings.FileName}, " +
                                                     "so nothing was trained; start the run again (this folder can be deleted)");
            throw new DirectoryNotFoundException($"{full} is not a run folder (it has no {SavedSettings.FileName})");
        }
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

    /// <summary>Writes a whole text file by write-then-rename: a reader (or a crash) never sees half a file, and a write that fails
    /// (a full disk) leaves no temporary file. A final newline is added when missing.</summary>
    public static void WriteAtomically(string path, string text)
    {
        var temp = path + ".tmp";
        try
        {
            File.WriteAllText(temp, text.EndsWith('\n') ? text : text + "\n", new UTF8Encoding(false));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The original failure is the one to report.
            }
            throw;
        }
    }

    private static string Sanitize(string label) =>
        new(label.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
}
