using Winnow.Engine.Runs;
using Winnow.Engine.Sweeps;

namespace Winnow.Reports;

/// <summary>The plots of a sweep's report, in <c>plots/</c>.</summary>
internal static class ReportPlots
{
    // accuracy per epoch, accuracy against cumulative wall-clock, and the distribution of selection counts; one set per keep
    // fraction when the sweep varies one (the full-data run in each), so that no plot holds more lines than it can show.
    public static List<(string Title, string File)> Write(string plotsFolder, SweepRecord record,
        IReadOnlyList<(SweepRunRecord Entry, RunData Data)> completed, List<string> written)
    {
        var plots = new List<(string, string)>();
        if (completed.Count == 0) return plots;
        var keepKey = record.Varied.FirstOrDefault(k => k.EndsWith(":KeepFraction", StringComparison.OrdinalIgnoreCase));
        var facets = keepKey is null ? [null] : completed.Select(r => r.Entry.Get(keepKey)).Where(v => v is not null).Distinct().ToList();
        if (facets.Count == 0) facets = [null];
        var dataset = completed[0].Data.Summary!;
        foreach (var facet in facets)
        {
            var members = completed.Where(r => facet is null || r.Entry.Get(keepKey!) is null || r.Entry.Get(keepKey!) == facet).ToList();
            var configurations = members.GroupBy(r => r.Entry.Configuration).Select(g => (Name: g.Key, Runs: g.Select(r => r.Data).ToList())).ToList();
            var suffix = facets.Count > 1 ? $"-keep-{facet}" : "";
            var keep = facets.Count > 1 ? $", keep {facet}" : "";
            var seeds = configurations.Max(c => c.Runs.Count);
            var subtitle = $"\n{dataset.Dataset} ({dataset.TrainSamples} train samples) / {dataset.Model}" + (seeds > 1 ? $", mean over {seeds} seeds" : "");

            var perEpoch = configurations.Select(c => Mean(c.Name, c.Runs, (_, cumulative) => cumulative.Epoch)).ToList();
            var title = $"Test accuracy per epoch{keep}";
            written.AddRange(Plots.Lines(Path.Combine(plotsFolder, "accuracy-per-epoch" + suffix), title + subtitle, "epoch", "test accuracy (%)", perEpoch, integerX: true));
            plots.Add((title, "accuracy-per-epoch" + suffix));

            var perSecond = configurations.Select(c => Mean(c.Name, c.Runs, (_, cumulative) => cumulative.Seconds)).ToList();
            title = $"Test accuracy against cumulative wall-clock{keep}";
            written.AddRange(Plots.Lines(Path.Combine(plotsFolder, "accuracy-vs-time" + suffix), title + subtitle,
                "cumulative wall-clock (s): training + scoring + selecting + evaluating", "test accuracy (%)", perSecond, xFromZero: true));
            plots.Add((title, "accuracy-vs-time" + suffix));

            var counts = configurations.Where(c => c.Runs.All(r => r.TimesSelected is not null)).Select(c => CountShares(c.Name, c.Runs)).ToList();
            if (counts.Count > 0)
            {
                title = $"How many epochs each training sample was selected for{keep}";
                var pooled = $"\n{dataset.Dataset} ({dataset.TrainSamples} train samples) / {dataset.Model}" + (seeds > 1 ? $", {seeds} seeds pooled" : "");
                written.AddRange(Plots.GroupedBars(Path.Combine(plotsFolder, "selection-counts" + suffix), title + pooled,
                    "epochs selected", "training samples (%)", counts));
                plots.Add((title, "selection-counts" + suffix));
            }
        }
        return plots;
    }

    // The configuration's mean test accuracy (%) per epoch against a mean x per epoch, over the epochs all its runs have and evaluated.
    private static PlotSeries Mean(string name, IReadOnlyList<RunData> runs, Func<RunData, (int Epoch, double Seconds), double> x)
    {
        var epochs = runs.Min(r => r.Epochs.Count);
        var xs = new List<double>();
        var ys = new List<double>();
        var elapsed = new double[runs.Count];
        for (var e = 0; e < epochs; e++)
        {
            for (var r = 0; r < runs.Count; r++) elapsed[r] += RunData.Seconds(runs[r].Epochs[e]);
            if (runs.Any(r => !r.Epochs[e].Evaluated)) continue;
            xs.Add(runs.Select((run, r) => x(run, (run.Epochs[e].Epoch, elapsed[r]))).Average());
            ys.Add(runs.Average(run => run.Epochs[e].TestAccuracy!.Value * 100));
        }
        return new PlotSeries(name, [.. xs], [.. ys]);
    }

    // The share of samples (%) selected c times, for c = 0 … the most epochs, pooled over the configuration's runs.
    private static PlotSeries CountShares(string name, IReadOnlyList<RunData> runs)
    {
        var max = runs.Max(r => r.Epochs.Count);
        var histogram = new double[max + 1];
        long total = 0;
        foreach (var run in runs)
            foreach (var c in run.TimesSelected!)
            {
                histogram[Math.Clamp(c, 0, max)]++;
                total++;
            }
        return new PlotSeries(name, Enumerable.Range(0, max + 1).Select(i => (double)i).ToArray(), histogram.Select(h => h * 100 / Math.Max(1, total)).ToArray());
    }
}
