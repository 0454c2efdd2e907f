namespace Winnow.Plugins.Policies;

/// <summary>Ranking by hardness whatever way the scorer points (<see cref="IScoreView.HigherIsHarder"/>): the one place the
/// ranking policies turn a scorer's values into "harder" and "easier", so that any scorer plugin can drive any of them.</summary>
/// <remarks>The hardness of a value <c>x</c> is <c>h = x</c> when higher is harder (loss, EL2N) and <c>h = −x</c> when lower is harder
/// (margin); a larger <c>h</c> is always harder. With a higher-is-harder scorer <c>h</c> is <c>x</c> itself, so the default plans are
/// the ones the policies made before they knew of directions, bit for bit; and negation is exact, so a scorer and its mirror image
/// (<c>−x</c>, lower is harder) give the same plans.</remarks>
public static class Hardness
{
    /// <summary>The hardness <c>h</c> of <paramref name="value"/>: the value itself when higher is harder, its negation otherwise.</summary>
    public static double Of(double value, bool higherIsHarder) => higherIsHarder ? value : -value;

    /// <summary>The indices of the <paramref name="count"/> hardest <paramref name="values"/>, sorted ascending: the largest when
    /// higher is harder, the smallest otherwise. NaN (never scored) ranks hardest either way; ties as in <see cref="Selection.Largest"/>.</summary>
    /// <remarks>Picks the direction instead of negating a copy, so the values are not copied and a lower-is-harder scorer gets
    /// exactly <see cref="Selection.Smallest"/>.</remarks>
    public static int[] Hardest(ReadOnlySpan<float> values, bool higherIsHarder, int count, Random? random = null) =>
        higherIsHarder ? Selection.Largest(values, count, random) : Selection.Smallest(values, count, random);

    /// <summary>The <paramref name="count"/> hardest <paramref name="values"/> taken class by class, each class in proportion to its
    /// size (<see cref="Selection.SmallestPerClass"/>, <see cref="Selection.LargestPerClass"/>), sorted ascending.</summary>
    public static int[] HardestPerClass(ReadOnlySpan<float> values, bool higherIsHarder, IReadOnlyList<int> labels, int count, Random? random = null) =>
        higherIsHarder ? Selection.LargestPerClass(values, labels, count, random) : Selection.SmallestPerClass(values, labels, count, random);
}
