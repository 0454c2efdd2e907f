using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Winnow.Engine.Runs;
using Winnow.Engine.Sweeps;

namespace Winnow.Reports;

/// <summary>The text of a sweep's report: <c>report.md</c>, and the CSV files a person opens in a spreadsheet.</summary>
internal static class ReportTables
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Markdown(SweepRecord record, string folder, IReadOnlyList<(SweepRunRecord Entry, RunData? Data)> runs,
        IReadOnlyList<ComparisonRow> rows, IReadOnlyList<TargetRow> targets, IReadOnlyList<ClaimRow> claims, IReadOnlyList<(string Title, string File)> plots)
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
            string Distinct<T>(Func<RunSummary, T> f) => string.Join(", ", summaries.Select(f).Distinct().Select(x => Convert.ToString(x, C)));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- data: {Distinct(s => s.Dataset)} ({Distinct(s => s.TrainSamples)} train / {Distinct(s => s.TestSamples)} test samples); model: {Distinct(s => s.Model)}; epochs: {Distinct(s => s.EpochsPlanned)}");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- machine: device {Distinct(s => s.Device)}, {Distinct(s => s.Threads)} threads; report made on {RuntimeInformation.OSDescription.Trim()}, {Environment.ProcessorCount} cores");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- runs made from {summaries.Min(s => s.StartedAt):yyyy-MM-dd HH:mm} to {summaries.Max(s => s.EndedAt):yyyy-MM-dd HH:mm} (local time)");
        }
        var statuses = runs.GroupBy(r => r.Entry.StatusOnDisk(folder)).Select(g => $"{g.Count()} {g.Key}");
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

        if (targets.Count > 0) TimeToTarget(md, targets);
        if (claims.Count > 0) ClaimsTable(md, claims);

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
            var status = entry.StatusOnDisk(folder) + (entry.Error is null ? "" : $": {entry.Error.Replace('|', '/').ReplaceLineEndings(" ")}");
            md.AppendLine(string.Create(C,
                $"| {entry.Index} | {entry.Label} | {status} | {(s?.FinalTestAccuracy is { } a ? (a * 100).ToString("F2", C) : "—")} | {(s?.EffectiveKeepFraction is { } k ? k.ToString("F3", C) : "—")} | {(data is null || data.Epochs.Count == 0 ? "—" : data.Epochs.Sum(RunData.Seconds).ToString("F1", C))} | `{runFolder}` |"));
        }
        return md.ToString();
    }

    // MLPerf Training's figure: the time a user waits until the model is good enough, over seeds.
    private static void TimeToTarget(StringBuilder md, IReadOnlyList<TargetRow> targets)
    {
        md.AppendLine().AppendLine("## Time to target accuracy").AppendLine();
        md.AppendLine("Each run stopped as soon as its test accuracy reached the target (`Run:TargetAccuracy`). Time to target is the wall-clock " +
                      "from the start of the first epoch to the end of the evaluation that reached it: training, scoring, selecting, evaluating " +
                      "and the records and checkpoints between epochs, everything the user waits for once the data is open. The median is over " +
                      "the seeds that reached the target; the ratio is to the `full` configuration's median.");
        md.AppendLine();
        md.AppendLine("| configuration | target % | seeds reached | median time to target s | vs full's median | seeds at ≤ 0.5× full | per seed s |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var t in targets)
        {
            var perSeed = string.Join(", ", t.Seconds.Select(x => $"{x.Seed}: {(x.Seconds is { } v ? v.ToString("F1", C) : "not reached")}"));
            md.AppendLine(string.Create(C,
                $"| {t.Configuration} | {t.Target * 100:F2} | {t.Reached} of {t.Seconds.Count} | {(t.Median is { } m ? m.ToString("F1", C) : "—")} | " +
                $"{(t.RatioToFull is { } r ? r.ToString("F2", C) + "×" : "—")} | {t.WithinHalfOfFull} | {perSeed} |"));
        }
    }

    private static void ClaimsTable(StringBuilder md, IReadOnlyList<ClaimRow> claims)
    {
        md.AppendLine().AppendLine("## Claims").AppendLine();
        md.AppendLine("Each claim of the sweep file compares two configurations' final test accuracy, mean ± sd over their seeds. Δ is " +
                      "better − than on each seed both ran (same initial weights and data order), in points, mean ± sd. The verdict is a " +
                      "paired two-sided t-test at 95%: *holds* when the first is ahead beyond noise, *does not hold* when it is behind " +
                      "beyond noise, *within noise* otherwise (with 3 seeds, |Δ| must exceed 4.30 standard errors). Keep eff. is the share " +
                      "of full-data training each side used, counting full-data epochs such as static-score's scoring epochs: the cost " +
                      "at equal epochs.");
        md.AppendLine();
        md.AppendLine("| claim | configuration | than | seeds | acc % | than acc % | Δ (pp) | t | keep eff. / than | verdict |");
        md.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        static string Or(Stat? s, string format) => s is { } v ? v.Format(format) : "—";
        foreach (var c in claims)
            md.AppendLine(string.Create(C,
                $"| {c.Claim.Claim} | {c.Claim.Better} | {c.Claim.Than} | {(c.Seeds.Count == 0 ? "none" : string.Join(", ", c.Seeds))} | " +
                $"{Or(c.Better, "F2")} | {Or(c.Than, "F2")} | {(c.Difference is { } d ? Signed(d) : "—")} | {(c.T is { } t ? t.ToString("F2", C) : "—")} | " +
                $"{Or(c.BetterKeep, "F3")} / {Or(c.ThanKeep, "F3")} | **{c.Verdict}** |"));
    }

    private static string Percent(Stat s) => new Stat(s.Mean * 100, s.Spread * 100, s.Count).Format("F2");

    private static string Signed(Stat s)
    {
        var text = s.Format("F2");
        return s.Mean >= 0 ? "+" + text : text;
    }

    public static string ConfigurationsCsv(IReadOnlyList<ComparisonRow> rows)
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

    public static string RunsCsv(string folder, IReadOnlyList<(SweepRunRecord Entry, RunData? Data)> runs)
    {
        var csv = new StringBuilder();
        csv.AppendLine("index,label,configuration,status,policy,seed,final_accuracy,best_accuracy,effective_keep,nominal_keep," +
                       "train_seconds,scoring_seconds,selecting_seconds,evaluating_seconds,seconds,wall_seconds,run_folder");
        foreach (var (entry, data) in runs)
        {
            var s = data?.Summary;
            var e = data?.Epochs ?? [];
            csv.AppendLine(string.Join(',', [
                entry.Index.ToString(C), Quote(entry.Label), Quote(entry.Configuration), Quote(entry.StatusOnDisk(folder)), s?.Policy ?? "", s?.Seed.ToString(C) ?? "",
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
}
