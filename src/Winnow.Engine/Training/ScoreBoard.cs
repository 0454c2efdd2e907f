namespace Winnow.Engine.Training;

/// <summary>Per-sample values shared by every policy: flat arrays, one slot per training sample.</summary>
/// <remarks>A sample that was not trained keeps its stale values: observing costs nothing beyond the forward pass training made.</remarks>
public sealed class ScoreBoard : IScoreView
{
    private readonly float[] _latest;
    private readonly int[] _timesObserved;
    private readonly int[] _lastEpochObserved;
    private readonly int[] _timesSelected;

    public ScoreBoard(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        _latest = new float[count];
        Array.Fill(_latest, float.NaN);
        _timesObserved = new int[count];
        _lastEpochObserved = new int[count];
        Array.Fill(_lastEpochObserved, -1);
        _timesSelected = new int[count];
    }

    public int Count => _latest.Length;
    public ReadOnlySpan<float> Latest => _latest;
    public ReadOnlySpan<int> TimesObserved => _timesObserved;
    public ReadOnlySpan<int> LastEpochObserved => _lastEpochObserved;
    public ReadOnlySpan<int> TimesSelected => _timesSelected;

    /// <summary>Records one value per index, observed in <paramref name="epoch"/>.</summary>
    public void Observe(ReadOnlySpan<long> indices, ReadOnlySpan<float> values, int epoch)
    {
        if (indices.Length != values.Length)
            throw new ArgumentException($"{indices.Length} indices but {values.Length} values");
        for (var i = 0; i < indices.Length; i++)
        {
            var s = checked((int)indices[i]);
            _latest[s] = values[i];
            _timesObserved[s]++;
            _lastEpochObserved[s] = epoch;
        }
    }

    /// <summary>Counts one selection for each sample of an epoch's plan.</summary>
    public void CountSelected(ReadOnlySpan<int> indices)
    {
        foreach (var s in indices) _timesSelected[s]++;
    }
}
