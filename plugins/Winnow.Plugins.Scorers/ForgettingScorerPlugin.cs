using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Scorers;

/// <summary>Scores each sample by its number of forgetting events (Toneva et al. 2019): transitions of the prediction
/// (<c>argmax z == y</c>) from correct to wrong across all observations of the sample so far.</summary>
[WinnowPlugin(PluginKind.Scorer, "forgetting",
    "Forgetting events (Toneva et al. 2019): count of correct-to-wrong prediction transitions over each sample's observations; never-learned samples score 1e9 (free, keeps history).")]
public sealed class ForgettingScorerPlugin : ScorerPlugin<NoOptions>
{
    protected override IScorer Create(NoOptions options, ScorerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ForgettingScorer(Name, context.SampleCount);
    }
}

/// <summary>The <c>forgetting</c> scorer of one run. Each <see cref="Score"/> call is one observation of every sample in the batch
/// (training and refresh batches alike); the history lives in three flat arrays of one slot per training sample.</summary>
/// <remarks>A sample that has never been predicted correctly ranks highest (Toneva et al. count its forgetting events as infinite):
/// it scores <see cref="NeverLearned"/>, a finite value, because the engine keeps moving averages of the values and
/// <c>∞ − ∞</c> is NaN. Its first observation can forget nothing, as there is no earlier prediction.
/// The history is the scorer's own state: <see cref="Save"/> and <see cref="Restore"/> carry it across a checkpoint.</remarks>
public sealed class ForgettingScorer : IScorer, IRestorable
{
    /// <summary>The value of a sample never yet predicted correctly: finite, and far above any possible count of transitions.</summary>
    public const float NeverLearned = 1e9f;

    private readonly string _name;
    private readonly bool[] _lastCorrect;
    private readonly bool[] _everCorrect;
    private readonly int[] _forgotten;

    /// <param name="name">The plugin's name: it names the scorer in messages and in the saved state.</param>
    /// <param name="sampleCount">N, the size of the training split; sample indices are in <c>[0, N)</c>.</param>
    public ForgettingScorer(string name, int sampleCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        _name = name;
        _lastCorrect = new bool[sampleCount];
        _everCorrect = new bool[sampleCount];
        _forgotten = new int[sampleCount];
    }

    /// <summary>N, the number of samples the history covers.</summary>
    public int SampleCount => _forgotten.Length;

    public Tensor Score(BatchOutcome outcome)
    {
        var batch = ScorerInputs.CheckClassification(outcome, _name);
        if (outcome.Indices.shape.Length != 1 || outcome.Indices.shape[0] != batch)
            throw new ArgumentException($"{_name} scorer expects indices [{batch}] to match the logits; got [{string.Join(", ", outcome.Indices.shape)}]", nameof(outcome));

        long[] indices;
        bool[] correct;
        using (var scope = torch.NewDisposeScope())
        {
            indices = outcome.Indices.to_type(ScalarType.Int64).cpu().data<long>().ToArray();
            correct = outcome.Logits.argmax(1).eq(ScorerInputs.Targets(outcome)).cpu().data<bool>().ToArray();
        }
        // Check the whole batch before touching the history, so a bad batch changes nothing.
        foreach (var index in indices)
        {
            if (index < 0 || index >= SampleCount)
                throw new ArgumentOutOfRangeException(nameof(outcome), index,
                    $"{_name} scorer got sample index {index}, outside the training split of {SampleCount} samples [0, {SampleCount})");
        }

        var values = new float[indices.Length];
        for (var k = 0; k < indices.Length; k++)
        {
            var i = (int)indices[k];
            if (_lastCorrect[i] && !correct[k]) _forgotten[i]++;
            _lastCorrect[i] = correct[k];
            _everCorrect[i] |= correct[k];
            values[k] = _everCorrect[i] ? _forgotten[i] : NeverLearned;
        }
        return torch.tensor(values, device: outcome.Logits.device);
    }

    /// <summary>A copy of the history, for saving a run to resume it later.</summary>
    public ForgettingHistory SaveHistory() => new((bool[])_lastCorrect.Clone(), (bool[])_everCorrect.Clone(), (int[])_forgotten.Clone());

    /// <summary>Replaces the history with a saved one of the same size.</summary>
    /// <exception cref="ArgumentException">The arrays do not have <see cref="SampleCount"/> entries each, or contradict each other.</exception>
    public void RestoreHistory(ForgettingHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(history.LastCorrect);
        ArgumentNullException.ThrowIfNull(history.EverCorrect);
        ArgumentNullException.ThrowIfNull(history.Forgotten);
        if (Problem(history) is { } problem) throw new ArgumentException(problem, nameof(history));
        Replace(history);
    }

    private const int StateVersion = 1;

    /// <summary>Writes the history for a checkpoint, as little-endian int32s and bytes: the format version, the scorer's name
    /// (byte length, then UTF-8), N, then <c>LastCorrect</c> and <c>EverCorrect</c> (each its length, then one byte
    /// 0 or 1 per sample) and <c>Forgotten</c> (its length, then one int32 per sample).</summary>
    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(StateVersion);
        var name = Encoding.UTF8.GetBytes(_name);
        writer.Write(name.Length);
        writer.Write(name);
        writer.Write(SampleCount);
        WriteFlags(writer, _lastCorrect);
        WriteFlags(writer, _everCorrect);
        writer.Write(_forgotten.Length);
        foreach (var f in _forgotten) writer.Write(f);
    }

    /// <summary>Reads back what <see cref="Save"/> wrote, exactly that much, and replaces the history with it.</summary>
    /// <exception cref="InvalidDataException">Another format version, another scorer's state, another N, a truncated stream,
    /// or a history that contradicts itself; the history is then left as it was.</exception>
    public void Restore(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ForgettingHistory history;
        try
        {
            var version = reader.ReadInt32();
            if (version != StateVersion)
                throw new InvalidDataException($"{_name} scorer: the saved state has format version {version}; this build reads version {StateVersion}");
            var nameLength = reader.ReadInt32();
            if (nameLength is < 0 or > 64)
                throw new InvalidDataException($"{_name} scorer: the saved state is not a scorer state (a name of {nameLength} bytes)");
            var saved = Encoding.UTF8.GetString(ReadExactly(reader, nameLength));
            if (saved != _name)
                throw new InvalidDataException($"{_name} scorer: the saved state is of scorer '{saved}', not '{_name}'");
            var count = reader.ReadInt32();
            if (count != SampleCount)
                throw new InvalidDataException($"{_name} scorer: the saved history is for {count} samples; this run has {SampleCount}");
            var lastCorrect = ReadFlags(reader, nameof(ForgettingHistory.LastCorrect));
            var everCorrect = ReadFlags(reader, nameof(ForgettingHistory.EverCorrect));
            ReadLength(reader, nameof(ForgettingHistory.Forgotten));
            var forgotten = new int[SampleCount];
            for (var i = 0; i < forgotten.Length; i++) forgotten[i] = reader.ReadInt32();
            history = new ForgettingHistory(lastCorrect, everCorrect, forgotten);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{_name} scorer: the saved state ends early (truncated)", e);
        }
        if (Problem(history) is { } problem) throw new InvalidDataException(problem);
        Replace(history);
    }

    private static void WriteFlags(BinaryWriter writer, bool[] flags)
    {
        writer.Write(flags.Length);
        foreach (var f in flags) writer.Write((byte)(f ? 1 : 0));
    }

    private bool[] ReadFlags(BinaryReader reader, string what)
    {
        ReadLength(reader, what);
        var bytes = ReadExactly(reader, SampleCount);
        var flags = new bool[SampleCount];
        for (var i = 0; i < flags.Length; i++)
        {
            flags[i] = bytes[i] switch
            {
                0 => false,
                1 => true,
                var b => throw new InvalidDataException($"{_name} scorer: the saved {what} of sample {i} is {b}, neither 0 nor 1"),
            };
        }
        return flags;
    }

    private void ReadLength(BinaryReader reader, string what)
    {
        var length = reader.ReadInt32();
        if (length != SampleCount)
            throw new InvalidDataException($"{_name} scorer: the saved {what} has {length} entries; this run has {SampleCount} samples");
    }

    private static byte[] ReadExactly(BinaryReader reader, int count)
    {
        var bytes = reader.ReadBytes(count);
        if (bytes.Length != count) throw new EndOfStreamException();
        return bytes;
    }

    // Why a history cannot be this scorer's (another size, or entries that contradict each other), or null when it can.
    private string? Problem(ForgettingHistory history)
    {
        if (history.LastCorrect.Length != SampleCount || history.EverCorrect.Length != SampleCount || history.Forgotten.Length != SampleCount)
            return $"{_name} history has {history.LastCorrect.Length}, {history.EverCorrect.Length} and {history.Forgotten.Length} entries; the run has {SampleCount} samples";
        for (var i = 0; i < SampleCount; i++)
        {
            if (history.Forgotten[i] < 0)
                return $"{_name} history: sample {i} has a negative count {history.Forgotten[i]}";
            if (!history.EverCorrect[i] && (history.LastCorrect[i] || history.Forgotten[i] > 0))
                return $"{_name} history: sample {i} was never correct but is marked correct or forgotten";
        }
        return null;
    }

    private void Replace(ForgettingHistory history)
    {
        history.LastCorrect.CopyTo(_lastCorrect, 0);
        history.EverCorrect.CopyTo(_everCorrect, 0);
        history.Forgotten.CopyTo(_forgotten, 0);
    }
}

/// <summary>The history of a <see cref="ForgettingScorer"/>: one entry per training sample in each array.</summary>
/// <param name="LastCorrect">Whether the sample's latest observed prediction was correct.</param>
/// <param name="EverCorrect">Whether any observed prediction of the sample was correct.</param>
/// <param name="Forgotten">The number of correct-to-wrong transitions observed.</param>
public sealed record ForgettingHistory(bool[] LastCorrect, bool[] EverCorrect, int[] Forgotten);
