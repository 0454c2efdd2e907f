using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Winnow;
using static TorchSharp.torch;

namespace MyDataset;

/// <summary>Options of the <c>my-dataset</c> dataset (config section <c>Run:Dataset:Options</c>).</summary>
/// <remarks>Each property is a key the host binds, validates with its DataAnnotations and lists with its default, range and the
/// first line of this documentation (<c>winnow plugins</c>).</remarks>
public sealed class MyDatasetOptions
{
    /// <summary>The CSV file: a header row, then one sample per row; relative to the configuration file's folder.</summary>
    [Required(ErrorMessage = "Path must name a CSV file.")]
    public string Path { get; set; } = "data.csv";

    /// <summary>The header of the column that holds each row's class name; every other column is a numeric feature.</summary>
    [Required(ErrorMessage = "LabelColumn must name a column of the header.")]
    public string LabelColumn { get; set; } = "label";

    /// <summary>Fraction of the rows held out as the test split, chosen at random from the run's seed, in (0, 1).</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true, ErrorMessage = "TestFraction must be between 0 and 1, both excluded.")]
    public double TestFraction { get; set; } = 0.2;
}

/// <summary>Exports the dataset: the host finds this class by its attribute and opens it once per run.</summary>
[WinnowPlugin(PluginKind.Dataset, "my-dataset", "A CSV file of numeric features and a class-name column, split at random into train and test, standardised by the training split.")]
public sealed class MyDatasetPlugin : DatasetPlugin<MyDatasetOptions>
{
    protected override Dataset Open(MyDatasetOptions options, DatasetContext context)
    {
        var path = System.IO.Path.GetFullPath(options.Path, context.BaseDirectory);
        var table = CsvTable.Read(path, options.LabelColumn);
        var (train, test) = Split(table.Labels.Length, options.TestFraction, context.Seed, path);
        var (mean, std) = Standardisation(table.Features, train);
        return new Dataset(Tensors(table, train, mean, std), Tensors(table, test, mean, std), table.ClassNames);
    }

    /// <summary>Row indices of the two splits: a seeded shuffle, the first round(fraction·rows) of it for testing.</summary>
    /// <remarks>Seeded from the run's seed, never from the clock, so that a run is reproducible and resumes on the same split.</remarks>
    public static (int[] Train, int[] Test) Split(int rows, double testFraction, int seed, string path)
    {
        var testCount = (int)Math.Round(testFraction * rows);
        if (testCount < 1 || testCount >= rows)
            throw new InvalidDataException($"{path}: {rows} rows give {testCount} test rows at TestFraction {testFraction}; each split needs at least one");
        var order = Enumerable.Range(0, rows).ToArray();
        new Random(seed).Shuffle(order);
        return ([.. order[testCount..].Order()], [.. order[..testCount].Order()]);
    }

    /// <summary>Each feature's mean and standard deviation over the training rows (a constant feature gets 1, not 0).</summary>
    /// <remarks>From the training split only: statistics of the test rows would leak into training.</remarks>
    public static (float[] Mean, float[] Std) Standardisation(float[][] features, int[] train)
    {
        var width = features[0].Length;
        var (mean, std) = (new float[width], new float[width]);
        for (var j = 0; j < width; j++)
        {
            var m = train.Average(i => (double)features[i][j]);
            var v = train.Average(i => (features[i][j] - m) * (features[i][j] - m));
            (mean[j], std[j]) = ((float)m, v > 0 ? (float)Math.Sqrt(v) : 1f);
        }
        return (mean, std);
    }

    private static LabeledData Tensors(CsvTable table, int[] rows, float[] mean, float[] std)
    {
        var width = mean.Length;
        var values = new float[rows.Length * width];
        for (var r = 0; r < rows.Length; r++)
            for (var j = 0; j < width; j++)
                values[r * width + j] = (table.Features[rows[r]][j] - mean[j]) / std[j];
        var labels = rows.Select(i => (long)table.Labels[i]).ToArray();
        return new LabeledData(tensor(values, [rows.Length, width]), tensor(labels));
    }
}

/// <summary>A CSV file read whole: the class names (sorted, so that the label numbers do not depend on the row order), each row's
/// class number and its features.</summary>
public sealed record CsvTable(IReadOnlyList<string> ClassNames, int[] Labels, float[][] Features)
{
    /// <summary>The largest file read: the table is held in memory twice (rows, then tensors), so a bigger one wants a reader
    /// that streams into a memory-mapped format instead.</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>Reads <paramref name="path"/>; every bad row is an <see cref="InvalidDataException"/> naming the file, the line and
    /// the column.</summary>
    /// <remarks>Plain comma-separated values without quoting: enough for numbers and simple class names. For quoted fields use a
    /// CSV library instead of extending this.</remarks>
    public static CsvTable Read(string path, string labelColumn)
    {
        // UserPaths refuses a folder, a named pipe or a device by name instead of hanging on it or reading it for ever.
        using var reader = new StreamReader(UserPaths.OpenFile(path, "CSV file (Run:Dataset:Options:Path)", MaxBytes));
        var header = reader.ReadLine() ?? throw new InvalidDataException($"{path}: the file is empty; it needs a header row");
        var columns = header.Split(',').Select(c => c.Trim()).ToArray();
        var label = Array.IndexOf(columns, labelColumn);
        if (label < 0) throw new InvalidDataException($"{path}: the header has no column '{labelColumn}' (LabelColumn); it has {string.Join(", ", columns)}");
        if (columns.Length < 2) throw new InvalidDataException($"{path}: the header names no feature column besides '{labelColumn}'");

        var (names, features) = (new List<string>(), new List<float[]>());
        var lineNumber = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length != columns.Length)
                throw new InvalidDataException($"{path}:{lineNumber}: {cells.Length} values, but the header has {columns.Length} columns");
            var row = new float[columns.Length - 1];
            for (int c = 0, j = 0; c < cells.Length; c++)
            {
                if (c == label) continue;
                if (!float.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]) || !float.IsFinite(row[j]))
                    throw new InvalidDataException($"{path}:{lineNumber}: column '{columns[c]}' holds '{cells[c].Trim()}', not a finite number");
                j++;
            }
            var name = cells[label].Trim();
            if (name.Length == 0) throw new InvalidDataException($"{path}:{lineNumber}: the '{labelColumn}' column is empty");
            names.Add(name);
            features.Add(row);
        }
        var classes = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (classes.Count < 2) throw new InvalidDataException($"{path}: {features.Count} rows of {classes.Count} class; a classifier needs at least two");
        var number = classes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        return new CsvTable(classes, [.. names.Select(n => number[n])], [.. features]);
    }
}
