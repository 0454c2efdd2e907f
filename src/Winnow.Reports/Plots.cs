using ScottPlot;

namespace Winnow.Reports;

/// <summary>A named line: x and y values of the same length.</summary>
public sealed record PlotSeries(string Label, double[] X, double[] Y);

/// <summary>The report's pictures, each written as PNG and SVG with ScottPlot.</summary>
public static class Plots
{
    public const int Width = 1000;
    public const int Height = 600;

    private static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown];

    /// <summary>Lines with markers, one per series, legend outside on the right.</summary>
    /// <param name="stem">The file path without extension; <c>.png</c> and <c>.svg</c> are written.</param>
    /// <returns>The two files written.</returns>
    /// <param name="xFromZero">Start the x axis at 0 (wall-clock).</param>
    public static IReadOnlyList<string> Lines(string stem, string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, bool integerX = false,
        bool xFromZero = false)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            Line(plot, s.X, s.Y, s.Label, palette.GetColor(i % palette.Colors.Length), Shapes[i / palette.Colors.Length % Shapes.Length],
                i >= palette.Colors.Length ? LinePattern.Dashed : LinePattern.Solid);
        }
        Decorate(plot, title, xLabel, yLabel);
        if (integerX) IntegerTicks(plot.Axes.Bottom, series.SelectMany(s => s.X));
        if (xFromZero && series.Any(s => s.X.Length > 0))
            plot.Axes.SetLimitsX(0, series.Where(s => s.X.Length > 0).Max(s => s.X.Max()) * 1.04);
        return Save(plot, stem);
    }

    /// <summary>Grouped bars: for each series a bar at every integer x (the share of samples selected x times).</summary>
    public static IReadOnlyList<string> GroupedBars(string stem, string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var width = 0.8 / Math.Max(1, series.Count);
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = palette.GetColor(i % palette.Colors.Length);
            var bars = new List<Bar>();
            for (var j = 0; j < s.X.Length; j++)
            {
                bars.Add(new Bar
                {
                    Position = s.X[j] - 0.4 + width * (i + 0.5),
                    Value = s.Y[j],
                    Size = width,
                    FillColor = color,
                    LineWidth = 0,
                });
            }
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = s.Label;
        }
        Decorate(plot, title, xLabel, yLabel);
        IntegerTicks(plot.Axes.Bottom, series.SelectMany(s => s.X));
        plot.Axes.Margins(bottom: 0);
        return Save(plot, stem);
    }

    /// <summary>A run's test accuracy (left axis) and train and test loss (right axis) per epoch.</summary>
    public static IReadOnlyList<string> AccuracyAndLoss(string stem, string title, double[] epochs, double[] accuracyPercent, double[] trainLoss, double[] testLoss)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        Line(plot, epochs, accuracyPercent, "test accuracy (%, left)", palette.GetColor(0), MarkerShape.FilledCircle, LinePattern.Solid);
        Line(plot, epochs, trainLoss, "train loss (right)", palette.GetColor(1), MarkerShape.FilledSquare, LinePattern.Solid).Axes.YAxis = plot.Axes.Right;
        Line(plot, epochs, testLoss, "test loss (right)", palette.GetColor(3), MarkerShape.FilledTriangleUp, LinePattern.Dashed).Axes.YAxis = plot.Axes.Right;
        Decorate(plot, title, "epoch", "test accuracy (%)");
        plot.Axes.Right.Label.Text = "loss";
        IntegerTicks(plot.Axes.Bottom, epochs);
        return Save(plot, stem);
    }

    // Points whose y is NaN (an epoch that was not evaluated) are left out, so the line joins the points on either side.
    private static ScottPlot.Plottables.Scatter Line(Plot plot, double[] x, double[] y, string label, Color color, MarkerShape marker, LinePattern pattern)
    {
        var kept = Enumerable.Range(0, y.Length).Where(i => !double.IsNaN(y[i])).ToArray();
        var line = plot.Add.Scatter(kept.Select(i => x[i]).ToArray(), kept.Select(i => y[i]).ToArray());
        line.LegendText = label;
        line.Color = color;
        line.LineWidth = 2;
        line.MarkerSize = 7;
        line.MarkerShape = marker;
        line.LinePattern = pattern;
        return line;
    }

    // A sans-serif font when one is installed (ScottPlot's default resolves to a serif one on Linux).
    private static readonly string? SansFont = new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" }
        .FirstOrDefault(f => SkiaSharp.SKFontManager.Default.GetFontFamilies().Contains(f, StringComparer.OrdinalIgnoreCase));

    private static void Decorate(Plot plot, string title, string xLabel, string yLabel)
    {
        if (SansFont is not null) plot.Font.Set(SansFont);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
    }

    // Whole-number ticks only (epochs, selection counts), at most about a dozen.
    private static void IntegerTicks(IAxis axis, IEnumerable<double> values)
    {
        var v = values.ToList();
        if (v.Count == 0) return;
        var min = (int)Math.Floor(v.Min());
        var max = (int)Math.Ceiling(v.Max());
        var step = Math.Max(1, (int)Math.Ceiling((max - min + 1) / 12.0));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var t = min; t <= max; t += step) ticks.AddMajor(t, t.ToString(System.Globalization.CultureInfo.InvariantCulture));
        axis.TickGenerator = ticks;
    }

    private static IReadOnlyList<string> Save(Plot plot, string stem)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stem))!);
        var png = stem + ".png";
        var svg = stem + ".svg";
        plot.SavePng(png, Width, Height);
        plot.SaveSvg(svg, Width, Height);
        return [png, svg];
    }
}
