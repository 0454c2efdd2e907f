using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Scorers;

/// <summary>Scores each sample by its number of forgetting events (Toneva et al. 2019): transitions of the prediction
/// (<c>argmax z == y</c>) from correct to wrong across all observations of the sample so far.</summary>
[WinnowPlugin(PluginKind.Scorer, "forgetting",
    "Forgetting events (Toneva et al. 2019): count of correct-to-wrong prediction transitions over each sample's observations; never-learned samples score 1e9 (free, keeps history).")]
public sealed class ForgettingScorerPlugin : IScorerPlugin
{
    public Type OptionsType => typeof(NoOptions);

    public IScorer Create(object options, ScorerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ForgettingScorer(context.SampleCount);
    }
}

/// <summary>The <c>forgetting</c> scorer of one run. Each <see cref="Score"/> call is one observation of every sample in the batch
/// (training and refresh batches alike); the history lives in three flat arrays of one slot per training sample.</summary>
/// <remarks>A sample that has never been predicted correctly ranks highest (Toneva et al. count its forgetting events as infinite):
/// it scores <see cref="NeverLearned"/>, a finite value, because the engine keeps moving averages of the values and
/// <c>∞ − ∞</c> is NaN. Its first observation can forget nothing, as there is no earlier prediction.</remarks>
public sealed class ForgettingScorer : IScorer
{
    /// <summary>The value of a sample never yet predicted correctly: finite, and far above any possible count of transitions.</summary>
    public const float NeverLearned = 1e9f;

    private readonly bool[] _lastCorrect;
    private readonly bool[] _everCorrect;
    private readonly int[] _forgotten;

    /// <param name="sampleCount">N, the size of the training split; sample indices are in <c>[0, N)</c>.</param>
    public ForgettingScorer(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        _lastCorrect = new bool[sampleCount];
        _everCorrect = new bool[sampleCount];
        _forgotten = new int[sampleCount];
    }

    /// <summary>N, the number of samples the history covers.</summary>
    public int SampleCount => _forgotten.Length;

    public Tensor Score(BatchOutcome outcome)
    {
        var batch = ScorerInputs.CheckClassification(outcome, "forgetting");
        if (outcome.Indices.shape.Length != 1 || outcome.Indices.shape[0] != batch)
            throw new ArgumentException($"forgetting scorer expects indices [{batch}] to match the logits; got [{string.Join(", ", outcome.Indices.shape)}]", nameof(outcome));

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
                    $"forgetting scorer got sample index {index}, outside the training split of {SampleCount} samples [0, {SampleCount})");
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
        if (history.LastCorrect.Length != SampleCount || history.EverCorrect.Length != SampleCount || history.Forgotten.Length != SampleCount)
            throw new ArgumentException($"forgetting history has {history.LastCorrect.Length}, {history.EverCorrect.Length} and {history.Forgotten.Length} entries; the run has {SampleCount} samples", nameof(history));
        for (var i = 0; i < SampleCount; i++)
        {
            if (history.Forgotten[i] < 0)
                throw new ArgumentException($"forgetting history: sample {i} has a negative count {history.Forgotten[i]}", nameof(history));
            if (!history.EverCorrect[i] && (history.LastCorrect[i] || history.Forgotten[i] > 0))
                throw new ArgumentException($"forgetting history: sample {i} was never correct but is marked correct or forgotten", nameof(history));
        }
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
