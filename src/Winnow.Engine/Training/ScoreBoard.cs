namespace Winnow.Engine.Training;

/// <summary>Per-sample values shared by every policy: flat arrays, one slot per training sample.</summary>
/// <remarks>A sample that was not trained keeps its stale values: observing costs nothing beyond the forward pass training made.</remarks>
public sealed class ScoreBoard : IScoreView
{
    private readonly float[] _latest;
    private readonly float[] _mean;
    private readonly float[] _variance;
    private readonly int[] _timesObserved;
    private readonly int[] _lastEpochObserved;
    private readonly int[] _timesSelected;

    /// <param name="count">N.</param>
    /// <param name="emaRate">The rate a of the moving averages, in (0, 1].</param>
    /// <param name="higherIsHarder">The scorer's direction, passed on to policies.</param>
    public ScoreBoard(int count, double emaRate = 0.8, bool higherIsHarder = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (!(emaRate > 0 && emaRate <= 1)) throw new ArgumentOutOfRangeException(nameof(emaRate), emaRate, "the EMA rate must be in (0, 1]");
        EmaRate = emaRate;
        HigherIsHarder = higherIsHarder;
        _latest = new float[count];
        Array.Fill(_latest, float.NaN);
        _mean = new float[count];
        Array.Fill(_mean, float.NaN);
        _variance = new float[count];
        _timesObserved = new int[count];
        _lastEpochObserved = new int[count];
        Array.Fill(_lastEpochObserved, -1);
        _timesSelected = new int[count];
    }

    public double EmaRate { get; }
    public bool HigherIsHarder { get; }
    public int Count => _latest.Length;
    public ReadOnlySpan<float> Latest => _latest;
    public ReadOnlySpan<float> Mean => _mean;
    public ReadOnlySpan<float> Variance => _variance;
    public ReadOnlySpan<int> TimesObserved => _timesObserved;
    public ReadOnlySpan<int> LastEpochObserved => _lastEpochObserved;
    public ReadOnlySpan<int> TimesSelected => _timesSelected;

    /// <summary>Records one value per index, observed in <paramref name="epoch"/>, and updates the moving averages:
    /// <c>d = x − m; m += a·d; v = (1 − a)·(v + a·d²)</c>; the first observation sets <c>m = x, v = 0</c>.</summary>
    public void Observe(ReadOnlySpan<long> indices, ReadOnlySpan<float> values, int epoch)
    {
        if (indices.Length != values.Length)
            throw new ArgumentException($"{indices.Length} indices but {values.Length} values");
        var a = EmaRate;
        for (var i = 0; i < indices.Length; i++)
        {
            var s = checked((int)indices[i]);
            var x = values[i];
            _latest[s] = x;
            if (_timesObserved[s] == 0)
            {
                _mean[s] = x;
                _variance[s] = 0;
            }
            else
            {
                // In double: the variance update subtracts nearby numbers when a sample's value barely moves.
                double m = _mean[s], d = x - m;
                _mean[s] = (float)(m + a * d);
                _variance[s] = (float)((1 - a) * (_variance[s] + a * d * d));
            }
            _timesObserved[s]++;
            _lastEpochObserved[s] = epoch;
        }
    }

    /// <summary>Counts one selection for each sample of an epoch's plan.</summary>
    public void CountSelected(ReadOnlySpan<int> indices)
    {
        foreach (var s in indices) _timesSelected[s]++;
    }

    private const int FormatVersion = 1;

    /// <summary>Writes every array, for a checkpoint.</summary>
    public void Save(BinaryWriter w)
    {
        w.Write(FormatVersion);
        w.Write(Count);
        w.Write(EmaRate);
        foreach (var a in new[] { _latest, _mean, _variance }) foreach (var v in a) w.Write(v);
        foreach (var a in new[] { _timesObserved, _lastEpochObserved, _timesSelected }) foreach (var v in a) w.Write(v);
    }

    /// <summary>Reads back what <see cref="Save"/> wrote into this board, which must have the same N and EMA rate.</summary>
    public void Restore(BinaryReader r)
    {
        var version = r.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"score board format {version}, expected {FormatVersion}");
        var count = r.ReadInt32();
        if (count != Count) throw new InvalidDataException($"the saved score board has {count} samples, this run has {Count}");
        var rate = r.ReadDouble();
        if (rate != EmaRate) throw new InvalidDataException($"the saved score board has EMA rate {rate}, this run has {EmaRate}");
        foreach (var a in new[] { _latest, _mean, _variance }) for (var i = 0; i < a.Length; i++) a[i] = r.ReadSingle();
        foreach (var a in new[] { _timesObserved, _lastEpochObserved, _timesSelected }) for (var i = 0; i < a.Length; i++) a[i] = r.ReadInt32();
    }
}
