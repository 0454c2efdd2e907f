using Winnow.Engine.Core;
using Winnow.Engine.Runs;

namespace Winnow.Reports;

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
        if (data.Epochs.Count == 0) throw new StorageError($"{folder} has no finished epoch in its {RunFolder.MetricsFile} to plot");
        var s = data.Summary;
        return Write(data, s is null ? Path.GetFileName(folder) : $"{s.Policy} on {s.Dataset} / {s.Model}, seed {s.Seed}");
    }

    /// <summary>Writes the plot of a loaded run under <paramref name="title"/>.</summary>
    /// <remarks>Epochs that were not evaluated have no test accuracy or loss: the lines join the evaluated ones.</remarks>
    public static IReadOnlyList<string> Write(RunData data, string title) =>
        Plots.AccuracyAndLoss(Path.Combine(data.Folder, RunFolder.PlotStem), $"Test accuracy and loss per epoch\n{title}",
            data.Epochs.Select(e => (double)e.Epoch).ToArray(), data.Epochs.Select(e => (e.TestAccuracy ?? double.NaN) * 100).ToArray(),
            data.Epochs.Select(e => e.TrainLoss).ToArray(), data.Epochs.Select(e => e.TestLoss ?? double.NaN).ToArray());
}
