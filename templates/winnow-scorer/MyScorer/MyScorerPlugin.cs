using System.ComponentModel.DataAnnotations;
using Winnow;
using static TorchSharp.torch;

namespace MyScorer;

/// <summary>Options of the <c>my-scorer</c> scorer (config section <c>Run:Scorer:Options</c>).</summary>
/// <remarks>Each property is a key the host binds, validates with its DataAnnotations and lists with its default, range and the
/// first line of this documentation (<c>winnow plugins</c>).</remarks>
public sealed class MyScorerOptions
{
    /// <summary>Weight of the loss's change against the loss itself, in [0, 1]: 1 scores by |change| only, 0 by the loss only.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Mix must be between 0 and 1.")]
    public double Mix { get; set; } = 0.5;
}

/// <summary>Exports the scorer: the host finds this class by its attribute and creates one scorer per run.</summary>
/// <remarks>A ranking policy uses it when its <c>Scorer</c> option names it (<c>--Run:Policy:Options:Scorer=my-scorer</c>), or when
/// <c>Run:Scorer:Name</c> chooses it for policies that rank by the run's scorer.</remarks>
[WinnowPlugin(PluginKind.Scorer, "my-scorer", "Loss change: Mix*|loss - previous loss| + (1-Mix)*loss; samples whose loss still moves are harder.")]
public sealed class MyScorerPlugin : ScorerPlugin<MyScorerOptions>
{
    protected override IScorer Create(MyScorerOptions options, ScorerContext context) => new LossChange(options.Mix, context.SampleCount);
}

/// <summary>s_i = Mix·|ℓ_i − ℓ'_i| + (1 − Mix)·ℓ_i, where ℓ_i is the sample's loss now and ℓ'_i the loss it had when last scored
/// (its current loss the first time, so the change starts at 0). Higher is harder: a sample whose loss still changes is still
/// being learnt.</summary>
/// <remarks>The previous losses are per-sample state, so the scorer implements <see cref="IRestorable"/>: a resumed run must go on
/// from the losses the stopped one had. The host checks that <see cref="Restore"/> reads back exactly what <see cref="Save"/>
/// wrote, and refuses to resume otherwise.</remarks>
public sealed class LossChange(double mix, int sampleCount) : IScorer, IRestorable
{
    private readonly float[] previous = Enumerable.Repeat(float.NaN, sampleCount).ToArray();

    public bool HigherIsHarder => true;

    public Tensor Score(BatchOutcome outcome)
    {
        var losses = outcome.Losses.to(ScalarType.Float32).cpu().data<float>().ToArray();
        var indices = outcome.Indices.cpu().data<long>().ToArray();
        var scores = Scores(losses, indices);
        return tensor(scores, device: outcome.Losses.device);
    }

    /// <summary>The scores of one batch, and the batch's losses remembered for next time.</summary>
    public float[] Scores(float[] losses, long[] indices)
    {
        var scores = new float[losses.Length];
        for (var k = 0; k < losses.Length; k++)
        {
            var i = indices[k];
            var before = float.IsNaN(previous[i]) ? losses[k] : previous[i];
            scores[k] = (float)(mix * Math.Abs(losses[k] - before) + (1 - mix) * losses[k]);
            previous[i] = losses[k];
        }
        return scores;
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(previous.Length);
        foreach (var value in previous) writer.Write(value);
    }

    public void Restore(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count != previous.Length)
            throw new InvalidDataException($"the saved state holds {count} samples, this run has {previous.Length}");
        for (var i = 0; i < count; i++) previous[i] = reader.ReadSingle();
    }
}
