using System.Globalization;
using System.Text;
using Winnow.Engine.Core;

namespace Winnow.Engine.Runs;

/// <summary>What the policy chose, kept so that "sometimes" samples can be seen: per epoch (the selection file) the plan's size,
/// how many samples were weighted, the distinct samples used so far, the share never used so far and the plan's class balance;
/// at the end (the selection-counts file) how many epochs each sample was selected for. The counts come from the score board,
/// which keeps them (and is checkpointed) anyway.</summary>
public sealed class SelectionRecord(RunFolder folder, IReadOnlyList<int> labels, int classCount)
{
    /// <param name="timesSelected">Per sample, the epochs it was selected for, this one included.</param>
    public void Add(int epoch, EpochPlan plan, ReadOnlySpan<int> timesSelected)
    {
        var perClass = new int[classCount];
        foreach (var s in plan.Indices) perClass[labels[s]]++;
        var distinct = 0;
        foreach (var t in timesSelected) if (t > 0) distinct++;
        var weighted = plan.Weights?.Count(w => w != 1f) ?? 0;
        var n = labels.Count;
        var c = CultureInfo.InvariantCulture;
        var header = "epoch,selected,weighted,distinct_so_far,never_selected_share," + string.Join(',', Enumerable.Range(0, classCount).Select(k => $"class_{k}"));
        var row = string.Join(',', [
            epoch.ToString(c), plan.Indices.Length.ToString(c), weighted.ToString(c), distinct.ToString(c),
            ((double)(n - distinct) / n).ToString("G6", c), .. perClass.Select(v => v.ToString(c))]);
        Storage.AppendLine(folder.SelectionCsv, header, row);
    }

    /// <summary>Writes the per-sample counts; their sum equals the samples back-propagated over the run.</summary>
    public void WriteCounts(ReadOnlySpan<int> timesSelected)
    {
        var text = new StringBuilder("sample,label,times_selected\n");
        for (var i = 0; i < timesSelected.Length; i++)
            text.Append(i).Append(',').Append(labels[i]).Append(',').Append(timesSelected[i]).Append('\n');
        Storage.WriteAtomically(folder.SelectionCountsCsv, text.ToString());
    }
}
