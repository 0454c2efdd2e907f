using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Scorers;

/// <summary>The checks and the pieces of maths the classification scorers share (docs/algorithms.md, "Scorers").</summary>
/// <remarks>Shape checks only read shapes: none of them waits for the device.</remarks>
internal static class ScorerInputs
{
    /// <summary>Checks that the logits are <c>[B, C]</c> with at least <paramref name="minClasses"/> classes and the targets <c>[B]</c>.</summary>
    /// <returns>B, the batch size.</returns>
    public static long CheckClassification(BatchOutcome outcome, string scorer, int minClasses = 1)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var logits = outcome.Logits.shape;
        if (logits.Length != 2)
            throw new ArgumentException($"{scorer} scorer expects logits [B, classes]; got [{string.Join(", ", logits)}]", nameof(outcome));
        if (logits[1] < minClasses)
            throw new ArgumentException($"{scorer} scorer needs at least {minClasses} classes; the logits have {logits[1]}", nameof(outcome));
        var targets = outcome.Targets.shape;
        if (targets.Length != 1 || targets[0] != logits[0])
            throw new ArgumentException($"{scorer} scorer expects targets [{logits[0]}] to match the logits [{string.Join(", ", logits)}]; got [{string.Join(", ", targets)}]", nameof(outcome));
        return logits[0];
    }

    /// <summary>The logits <c>z</c> in float32 (whatever precision the model ran in).</summary>
    public static Tensor Logits(BatchOutcome outcome) => outcome.Logits.to_type(ScalarType.Float32);

    /// <summary>The targets as int64 class indices <c>[B]</c>.</summary>
    public static Tensor Targets(BatchOutcome outcome) => outcome.Targets.to_type(ScalarType.Int64);

    /// <summary>The one-hot target <c>y</c> as a boolean mask <c>[B, C]</c>.</summary>
    public static Tensor TargetMask(Tensor targets, long classes) =>
        nn.functional.one_hot(targets, classes).to_type(ScalarType.Bool);

    /// <summary><c>||softmax(z) − y||_2</c> per row: the EL2N score (Paul et al. 2021), float32 <c>[B]</c>.</summary>
    public static Tensor ErrorNorm(BatchOutcome outcome)
    {
        var logits = Logits(outcome);
        var q = nn.functional.softmax(logits, 1);
        var y = TargetMask(Targets(outcome), logits.shape[1]).to_type(ScalarType.Float32);
        return q.sub(y).square().sum(1).sqrt();
    }
}
