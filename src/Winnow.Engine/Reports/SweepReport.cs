using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Winnow.Engine.Sweeps;

namespace Winnow.Engine.Reports;

/// <summary>The comparison report of a sweep folder: <c>report.md</c>, <c>report.csv</c> (one row per configuration), <c>runs.csv</c>
/// (one row per run) and the plots in <c>plots/</c>; and every run's own accuracy and loss plot in its run folder.</summary>
/// <remarks>Only completed runs enter the table; the others are listed with their status. Wall-clock here is the sum over epochs of
/// training, scoring, selecting and evaluating (what <c>metrics.csv</c> times): it leaves out opening the data, which a sweep does once
/// for many runs, and writing checkpoints.</remarks>
public static class SweepReport
{
    public const string FullPolicy = "full";
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Writes the report of <paramref name="sweepFolder"/> and returns the files written.</summary>
    /// <exception cref="DirectoryNotFoundException">the folder does not exist or holds no <c>sweep.json</c>.</exception>
    public static IReadOnlyList<string> Write(string sweepFolder)
    {
        var folder = Path.GetFullPath(sweepFolder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"sweep folder not found: {folder}");
        var record = SweepRecord.Read(folder) ?? throw new DirectoryNotFoundException($"{folder} is not a sweep folder (it has no {SweepRecord.FileName})");
        var runs = record.Runs.Where(r => !r.NotInSweepFile).OrderBy(r => r.Index).Select(e => (Entry: e, Data: e.FindRunFolder(folder) is { } f ? RunData.Load(f) : null)).ToList();
        var completed = runs.Where(r => r.Data?.Summary?.Status == SweepRunRecord.Completed && r.Data.Epochs.Count > 0).ToList();
        var figures = completed.Select(r => Figures(r.Entry, r.Data!)).ToList();
        var rows = Comparison.Compare(figures, configuration => BaselineOf(configuration, completed.Select(r => (r.Entry, r.Data!)).ToList()));

        var written = new List<string>();
        var plotsFolder = Path.Combine(folder, "plots");
        var plots = WritePlots(plotsFolder, record, completed.Select(r => (r.Entry, r.Data!)).ToList(), written);
        foreach (var (entry, data) in runs)
            if (data is not null && data.Epochs.Count > 0) written.AddRange(RunReport.Write(data, $"{record.Name} run {entry.Index}: {entry.Label}"));

        var markdown = Path.Combine(folder, "report.md");
        File.WriteAllText(markdown, Markdown(record, folder, runs, rows, plots), new UTF8Encoding(false));
        var csv = Path.Combine(folder, "report.csv");
        File.WriteAllText(csv, ConfigurationsCsv(rows), new UTF8Encoding(false));
        var runsCsv = Path.Combine(folder, "runs.csv");
        File.WriteAllText(runsCsv, RunsCsv(folder, runs), new UTF8Encoding(false));
        written.InsertRange(0, [markdown, csv, runsCsv]);
        return written;
    }

    /// <summary>A completed run's figures, under its sweep configuration.</summary>
    public static RunFigures Figures(SweepRunRecord entry, RunData data)
    {
        var s = data.Summary!;
        return new RunFigures(entry.Configuration, s.Policy, s.Seed, s.FinalTestAccuracy ?? 0, s.BestTestAccuracy ?? 0,
            s.EffectiveKeepFraction ?? 1, s.NominalKeepFraction,
            data.Epochs.Sum(e => e.TrainSeconds), data.Epochs.Sum(e => e.ScoringSeconds), data.Epochs.Sum(e => e.SelectingSeconds),
            data.Epochs.Sum(e => e.EvaluatingSeconds), data.Epochs.Select(e => new EpochPoint(e.TestAccuracy, RunData.Seconds(e))).ToList());
    }

    /// <summary>The full-data configuration a configuration is compared with: one whose runs used the <c>full</c> policy and whose varied
    /// values agree on every key outside <c>Run:Policy</c> and <c>Run:Seed</c> (same epochs, same data, same model…); null when none does.</summary>
    public static string? BaselineOf(string configuration, IReadOnlyList<(SweepRunRecord Entry, RunData Data)> completed)
    {
        var mine = completed.FirstOrDefault(r => r.Entry.Configuration == configuration).Entry;
        if (mine is null) return null;
        static bool Compared(string key) =>
            !string.Equals(key, "Run:Policy", StringComparison.OrdinalIgnoreCase) && !SweepDefinition.IsUnder(key, "Run:Policy")
            && !string.Equals(key, SweepDefinition.SeedKey, StringComparison.OrdinalIgnoreCase);
        var keys = completed.SelectMany(r => r.Entry.Values.Select(v => v.Key)).Where(Compared).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return completed
            .Where(r => string.Equals(r.Data.Summary!.Policy, FullPolicy, StringComparison.OrdinalIgnoreCase))
            .Select(r => r.Entry)
            .FirstOrDefault(full => keys.All(k => full.Get(k) == mine.Get(k)))?.Configuration;
    }

    private static string Markdown(SweepRecord record, string folder, IReadOnlyList<(SweepRunRecord Entry, RunData? Data)> runs,
        IReadOnlyList<ComparisonRow> rows, IReadOnlyList<(string Title, string File)> plots)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Sweep {record.Name}");
        md.AppendLine();
        if (!string.IsNullOrWhiteSpace(record.Description)) md.AppendLine(record.Description).AppendLine();
        var summaries = runs.Select(r => r.Data?.Summary).Where(s => s is not null).Select(s => s!).ToList();
        md.AppendLine(CultureInfo.InvariantCulture, $"- sweep file: `{record.SweepFile}`; folder: `{folder}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- varied: {string.Join(", ", record.Varied.Select(v => $"`{v}`"))}");
        if (summaries.Count > 0)
        {
            string Distinct<T>(Func<Runs.RunSummary, T> f) => string.Join(", ", summaries.Select(f).Distinct().Select(x => Convert.ToString(x, C)));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- data: {Distinct(s => s.Dataset)} ({Distinct(s => s.TrainSamples)} train / {Distinct(s => s.TestSamples)} test samples); model: {Distinct(s => s.Model)}; epochs: {Distinct(s => s.EpochsPlanned)}");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- machine: device {Distinct(s => s.Device)}, {Distinct(s => s.Threads)} threads; report made on {RuntimeInformation.OSDescription.Trim()}, {Environment.ProcessorCount} cores");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- runs made from {summaries.Min(s => s.StartedAt):yyyy-MM-dd HH:mm} to {summaries.Max(s => s.EndedAt):yyyy-MM-dd HH:mm} (local time)");
        }
        var statuses = runs.GroupBy(r => r.Entry.Status).Select(g => $"{g.Count()} {g.Key}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- runs: {runs.Count} ({string.Join(", ", statuses)})");
        var dropped = record.Runs.Where(r => r.NotInSweepFile).Select(r => r.Index.ToString(C)).ToList();
        if (dropped.Count > 0)
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- left out: run{(dropped.Count == 1 ? "" : "s")} {string.Join(", ", dropped)}, which the sweep file no longer plans (their folders are kept)");
        md.AppendLine();
        md.AppendLine("Per configuration, mean ± sample standard deviation over its seeds (no ± with one seed). Accuracy is test accuracy. " +
                      "Time is the sum over epochs of training, scoring, selecting and evaluating. Δ, speed-up and time-to-accuracy compare each " +
                      "run with the `full` run of the same seed. Train speed-up is full's training seconds over the run's, next to the ideal " +
                      "1/k of its effective keep fraction k. Time to full's accuracy: the time at which a run's test accuracy first reached the " +
                      "full run's final accuracy, as a share of the full run's time (\"never\" when it did not).");
        md.AppendLine();
        md.AppendLine("| configuration | runs | final acc % | best acc % | Δ vs full (pp) | keep eff. (nominal) | train s | scoring s | selecting s | evaluating s | time s | speed-up | train speed-up / ideal | time to full's acc |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rows)
        {
            md.AppendLine(string.Join(" | ", [
                "| " + r.Configuration,
                r.Runs.ToString(C),
                Percent(r.FinalAccuracy),
                Percent(r.BestAccuracy),
                r.DeltaToFull is { } d ? Signed(d) : "—",
                $"{r.EffectiveKeep.Format("F3")} ({r.NominalKeep.ToString("0.###", C)})",
                r.TrainSeconds.Format("F1"),
                r.ScoringSeconds.Format("F1"),
                r.SelectingSeconds.Format("F2"),
                r.EvaluatingSeconds.Format("F1"),
                r.Seconds.Format("F1"),
                r.SpeedUp is { } s ? s.Format("F2", "×") : "—",
                r.TrainSpeedUp is { } t ? $"{t.Format("F2", "×")} / {r.IdealSpeedUp.Mean.ToString("F2", C)}×" : "—",
                r.TimeToFull?.Format() ?? "—",
            ]) + " |");
        }
        if (rows.Count == 0) md.AppendLine("| (no completed run yet) | | | | | | | | | | | | | |");
        if (rows.Count > 0 && rows.All(r => r.Baseline is null))
            md.AppendLine().AppendLine("No `full` run matches these configurations, so nothing is compared with full data.");

        if (plots.Count > 0)
        {
            md.AppendLine().AppendLine("## Plots").AppendLine();
            foreach (var (title, file) in plots)
                md.AppendLine(CultureInfo.InvariantCulture, $"![{title}](plots/{file}.png) ([SVG](plots/{file}.svg))").AppendLine();
        }

        md.AppendLine("## Runs").AppendLine();
        md.AppendLine("| # | run | status | final acc % | keep eff. | time s | run folder |");
        md.AppendLine("| ---: | --- | --- | ---: | ---: | ---: | --- |");
        foreach (var (entry, data) in runs)
        {
            var s = data?.Summary;
            var runFolder = entry.FindRunFolder(folder) is { } f ? Path.GetRelativePath(folder, f) : "—";
            var status = entry.Status + (entry.Error is null ? "" : $": {entry.Error.Replace('|', '/').ReplaceLineEndings(" ")}");
            md.AppendLine(string.Create(C,
                $"| {entry.Index} | {entry.Label} | {status} | {(s?.FinalTestAccuracy is { } a ? (a * 100).ToString("F2", C) : "—")} | {(s?.EffectiveKeepFraction is { } k ? k.ToString("F3", C) : "—")} | {(data is null || data.Epochs.Count == 0 ? "—" : data.Epochs.Sum(RunData.Seconds).ToString("F1", C))} | `{runFolder}` |"));
        }
        return md.ToString();
    }

    private static string Percent(Stat s) => new Stat(s.Mean * 100, s.Spread * 100, s.Count).Format("F2");

    private static string Signed(Stat s)
    {
        var text = s.Format("F2");
        return s.Mean >= 0 ? "+" + text : text;
    }

    private static string ConfigurationsCsv(IReadOnlyList<ComparisonRow> rows)
    {
        var csv = new StringBuilder();
        csv.AppendLine("configuration,policy,runs,final_accuracy_mean,final_accuracy_sd,best_accuracy_mean,best_accuracy_sd,delta_to_full_pp_mean,delta_to_full_pp_sd," +
                       "effective_keep_mean,effective_keep_sd,nominal_keep,train_seconds_mean,train_seconds_sd,scoring_seconds_mean,scoring_seconds_sd," +
                       "selecting_seconds_mean,selecting_seconds_sd,evaluating_seconds_mean,evaluating_seconds_sd,seconds_mean,seconds_sd," +
                       "speed_up_mean,speed_up_sd,train_speed_up_mean,train_speed_up_sd,ideal_speed_up_mean,time_to_full_accuracy_mean,time_to_full_accuracy_sd," +
                       "time_to_full_accuracy_reached,baseline");
        foreach (var r in rows)
        {
            csv.AppendLine(string.Join(',', [
                Quote(r.Configuration), Quote(r.Policy), r.Runs.ToString(C),
                .. Pair(r.FinalAccuracy), .. Pair(r.BestAccuracy), .. Pair(r.DeltaToFull), .. Pair(r.EffectiveKeep), Number(r.NominalKeep),
                .. Pair(r.TrainSeconds), .. Pair(r.ScoringSeconds), .. Pair(r.SelectingSeconds), .. Pair(r.EvaluatingSeconds), .. Pair(r.Seconds),
                .. Pair(r.SpeedUp), .. Pair(r.TrainSpeedUp), Number(r.IdealSpeedUp.Mean), .. Pair(r.TimeToFull?.Ratio),
                r.TimeToFull is { } t ? $"{t.Reached}/{t.Runs}" : "", Quote(r.Baseline ?? ""),
            ]));
        }
        return csv.ToString();
    }

    private static string RunsCsv(string folder, IReadOnlyList<(SweepRunRecord Entry, RunData? Data)> runs)
    {
        var csv = new StringBuilder();
        csv.AppendLine("index,label,configuration,status,policy,seed,final_accuracy,best_accuracy,effective_keep,nominal_keep," +
                       "train_seconds,scoring_seconds,selecting_seconds,evaluating_seconds,seconds,wall_seconds,run_folder");
        foreach (var (entry, data) in runs)
        {
            var s = data?.Summary;
            var e = data?.Epochs ?? [];
            csv.AppendLine(string.Join(',', [
                entry.Index.ToString(C), Quote(entry.Label), Quote(entry.Configuration), entry.Status, s?.Policy ?? "", s?.Seed.ToString(C) ?? "",
                Number(s?.FinalTestAccuracy), Number(s?.BestTestAccuracy), Number(s?.EffectiveKeepFraction), Number(s?.NominalKeepFraction),
                Number(e.Sum(x => x.TrainSeconds)), Number(e.Sum(x => x.ScoringSeconds)), Number(e.Sum(x => x.SelectingSeconds)),
                Number(e.Sum(x => x.EvaluatingSeconds)), Number(e.Sum(RunData.Seconds)), Number(s?.WallSeconds),
                Quote(entry.FindRunFolder(folder) is { } f ? Path.GetRelativePath(folder, f) : ""),
            ]));
        }
        return csv.ToString();
    }

    private static string[] Pair(Stat? s) => s is { } v ? [Number(v.Mean), Number(v.Spread)] : ["", ""];

    private static string Number(double? v) => v is { } x ? x.ToString("G6", C) : "";

    private static string Quote(string text) => text.Contains(',') || text.Contains('"') ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;

    // accuracy per epoch, accuracy against cumulative wall-clock, and the distribution of selection counts; one set per keep
    // fraction when the sweep varies one (the full-data run in each), so that no plot holds more lines than it can show.
    private static List<(string Title, string File)> WritePlots(string plotsFolder, SweepRecord record,
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

    // The configuration's mean test accuracy (%) per epoch against a mean x per epoch, over the epochs all its runs have.
    private static PlotSeries Mean(string name, IReadOnlyList<RunData> runs, Func<RunData, (int Epoch, double Seconds), double> x)
    {
        var epochs = runs.Min(r => r.Epochs.Count);
        var xs = new double[epochs];
        var ys = new double[epochs];
        foreach (var run in runs)
        {
            double elapsed = 0;
            for (var e = 0; e < epochs; e++)
            {
                elapsed += RunData.Seconds(run.Epochs[e]);
                xs[e] += x(run, (run.Epochs[e].Epoch, elapsed)) / runs.Count;
                ys[e] += run.Epochs[e].TestAccuracy * 100 / runs.Count;
            }
        }
        return new PlotSeries(name, xs, ys);
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

/// <summary>A single run's picture: test accuracy and train/test loss per epoch, as <c>accuracy-loss.png</c> and <c>.svg</c> in its folder.</summary>
public static class RunReport
{
    /// <summary>Writes the plot of a run folder and returns the files written.</summary>
    /// <exception cref="DirectoryNotFoundException">the folder does not exist.</exception>
    /// <exception cref="InvalidDataException">it has no finished epoch to plot.</exception>
    public static IReadOnlyList<string> Write(string runFolder)
    {
        var folder = Path.GetFullPath(runFolder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"run folder not found: {folder}");
        var data = RunData.Load(folder);
        if (data.Epochs.Count == 0) throw new InvalidDataException($"{folder} has no finished epoch in metrics.csv to plot");
        var s = data.Summary;
        return Write(data, s is null ? Path.GetFileName(folder) : $"{s.Policy} on {s.Dataset} / {s.Model}, seed {s.Seed}");
    }

    /// <summary>Writes the plot of a loaded run under <paramref name="title"/>.</summary>
    public static IReadOnlyList<string> Write(RunData data, string title) =>
        Plots.AccuracyAndLoss(Path.Combine(data.Folder, "accuracy-loss"), $"Test accuracy and loss per epoch\n{title}",
            data.Epochs.Select(e => (double)e.Epoch).ToArray(), data.Epochs.Select(e => e.TestAccuracy * 100).ToArray(),
            data.Epochs.Select(e => e.TrainLoss).ToArray(), data.Epochs.Select(e => e.TestLoss).ToArray());
}
