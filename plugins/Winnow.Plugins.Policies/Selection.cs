namespace Winnow.Plugins.Policies;

/// <summary>The selection primitives every policy shares, on flat arrays: K, top-K and uniform draws.</summary>
public static class Selection
{
    /// <summary>K for a keep fraction and N: <c>round(k·N)</c>, halves away from zero, clamped to [1, N].</summary>
    /// <remarks>Computed in decimal so that a fraction written as 0.35 rounds as 0.35·N would on paper
    /// (in double, 0.35·10 is 3.4999…); halves go away from zero so K never falls below what the config asks for.</remarks>
    public static int KeepCount(double keepFraction, int sampleCount)
    {
        var k = (int)Math.Round((decimal)keepFraction * sampleCount, MidpointRounding.AwayFromZero);
        return Math.Clamp(k, 1, sampleCount);
    }

    /// <summary>The indices of the <paramref name="count"/> largest <paramref name="keys"/>, sorted ascending, in O(N) (a radix select: no comparison sort).</summary>
    /// <remarks>Order: NaN above +∞ above every finite value (−0 equals +0), so an unknown score ranks first.
    /// Ties at the boundary go to the lower index, or, when <paramref name="random"/> is given, to a uniformly random subset of the tied samples.</remarks>
    public static int[] Largest(ReadOnlySpan<float> keys, int count, Random? random = null) => Top(keys, count, random, largest: true);

    /// <summary>The indices of the <paramref name="count"/> smallest <paramref name="keys"/>, sorted ascending.</summary>
    /// <remarks>As <see cref="Largest"/> with the order of numbers reversed; NaN still ranks first (an unknown score is taken).</remarks>
    public static int[] Smallest(ReadOnlySpan<float> keys, int count, Random? random = null) => Top(keys, count, random, largest: false);

    /// <summary>The <paramref name="count"/> smallest <paramref name="keys"/> taken class by class, sorted ascending: each class gets
    /// its share of <paramref name="count"/> in proportion to its size, and its own smallest keys fill it.</summary>
    /// <remarks>Shares are apportioned by largest remainder (ties to the lower class), so they add up to <paramref name="count"/>
    /// exactly and no class gets more than it holds. Within a class, ties are broken as in <see cref="Smallest"/>.</remarks>
    public static int[] SmallestPerClass(ReadOnlySpan<float> keys, IReadOnlyList<int> labels, int count, Random? random = null) =>
        TopPerClass(keys, labels, count, random, largest: false);

    /// <summary>The <paramref name="count"/> largest <paramref name="keys"/> taken class by class, sorted ascending: as
    /// <see cref="SmallestPerClass"/> with the order of numbers reversed (NaN still first).</summary>
    public static int[] LargestPerClass(ReadOnlySpan<float> keys, IReadOnlyList<int> labels, int count, Random? random = null) =>
        TopPerClass(keys, labels, count, random, largest: true);

    // The members of each class are laid out class after class in one array by a counting sort (in index order within a class,
    // as a scan would find them), so that the whole selection is a few linear passes over flat arrays: at N = 10 million a list
    // per class and interface calls per label cost more than the top-K itself.
    private static int[] TopPerClass(ReadOnlySpan<float> keys, IReadOnlyList<int> labels, int count, Random? random, bool largest)
    {
        var n = keys.Length;
        if (labels.Count != n) throw new ArgumentException($"{labels.Count} labels for {n} keys", nameof(labels));
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, n);
        var flat = labels as int[] ?? [.. labels];
        var classes = 0;
        foreach (var label in flat)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(label, nameof(labels));
            if (label >= classes) classes = label + 1;
        }
        var sizes = new int[classes];
        foreach (var label in flat) sizes[label]++;
        var starts = new int[classes + 1];
        for (var c = 0; c < classes; c++) starts[c + 1] = starts[c] + sizes[c];
        var next = starts[..classes];
        var members = new int[n];
        for (var i = 0; i < n; i++) members[next[flat[i]]++] = i;

        var quota = Apportion(sizes, count, n);
        var chosen = new int[count];
        var filled = 0;
        var classKeys = new float[classes == 0 ? 0 : sizes.Max()];
        for (var c = 0; c < classes; c++)
        {
            var own = members.AsSpan(starts[c], sizes[c]);
            for (var j = 0; j < own.Length; j++) classKeys[j] = keys[own[j]];
            foreach (var j in Top(classKeys.AsSpan(0, own.Length), quota[c], random, largest)) chosen[filled++] = own[j];
        }
        return Ascending(chosen, n);
    }

    // count·size/total rounded down for each class, then one more to the largest remainders until the shares add up to count.
    private static int[] Apportion(int[] sizes, int count, int total)
    {
        var quota = new int[sizes.Length];
        var remainder = new long[sizes.Length];
        var given = 0;
        for (var c = 0; c < sizes.Length; c++)
        {
            var exact = (long)count * sizes[c];
            quota[c] = (int)(exact / total);
            remainder[c] = exact % total;
            given += quota[c];
        }
        foreach (var c in Enumerable.Range(0, sizes.Length).OrderByDescending(c => remainder[c]).ThenBy(c => c).Take(count - given))
            quota[c]++;
        return quota;
    }

    /// <summary>Moves a uniform random <paramref name="count"/>-subset of <paramref name="pool"/> to its front (partial Fisher-Yates).</summary>
    public static void DrawToFront(Span<int> pool, int count, Random random)
    {
        for (var i = 0; i < count; i++)
        {
            var j = random.Next(i, pool.Length);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
    }

    /// <summary>A uniform random <paramref name="count"/>-subset of [0, <paramref name="sampleCount"/>), sorted ascending.</summary>
    public static int[] Uniform(int sampleCount, int count, Random random)
    {
        var pool = Identity(sampleCount);
        DrawToFront(pool, count, random);
        return Ascending(pool.AsSpan(0, count), sampleCount);
    }

    /// <summary>Distinct indices in [0, <paramref name="sampleCount"/>) sorted ascending in O(N), without a comparison sort.</summary>
    public static int[] Ascending(ReadOnlySpan<int> indices, int sampleCount)
    {
        var chosen = new bool[sampleCount];
        foreach (var s in indices) chosen[s] = true;
        var result = new int[indices.Length];
        for (int i = 0, r = 0; r < result.Length; i++)
            if (chosen[i]) result[r++] = i;
        return result;
    }

    /// <summary>0, 1, …, n − 1.</summary>
    public static int[] Identity(int n)
    {
        var a = new int[n];
        for (var i = 0; i < n; i++) a[i] = i;
        return a;
    }

    /// <summary>The plan that trains on every sample with weight 1.</summary>
    public static EpochPlan Full(int sampleCount) => new(Identity(sampleCount));

    // Radix select on 32-bit ranks: a histogram of the high 16 bits finds the bucket holding the boundary, a histogram of
    // the low 16 bits inside it finds the boundary rank T exactly. Everything above T is in; of the samples at T, the
    // first ones by index (or a uniform draw) fill the rest. Four linear passes over flat arrays, no comparison sort.
    private static int[] Top(ReadOnlySpan<float> keys, int count, Random? random, bool largest)
    {
        var n = keys.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, n);
        if (count == 0) return [];
        if (count == n) return Identity(n);

        var ranks = new uint[n];
        var high = new int[1 << 16];
        for (var i = 0; i < n; i++) high[(ranks[i] = Rank(keys[i], largest)) >> 16]++;
        var (bucket, above) = Boundary(high, count);
        var low = new int[1 << 16];
        foreach (var r in ranks)
            if (r >> 16 == bucket) low[r & 0xFFFF]++;
        var (lowBits, aboveInBucket) = Boundary(low, count - above);
        var boundary = ((uint)bucket << 16) | (uint)lowBits;
        var tiedInside = count - above - aboveInBucket;   // how many of the samples at the boundary are kept
        var tiedCount = low[lowBits];

        if (tiedCount > tiedInside)
        {
            var tied = new int[tiedCount];
            for (int i = 0, t = 0; t < tiedCount; i++)
                if (ranks[i] == boundary) tied[t++] = i;
            if (random is not null) DrawToFront(tied, tiedInside, random);
            // Ranks are at least 0x007F_FFFF, so boundary − 1 exists: it drops the tied samples left out below the boundary.
            for (var t = tiedInside; t < tiedCount; t++) ranks[tied[t]] = boundary - 1;
        }
        var result = new int[count];
        for (int i = 0, r = 0; r < count; i++)
            if (ranks[i] >= boundary) result[r++] = i;
        return result;
    }

    // The highest bin whose count, added to the counts of all bins above it, reaches `needed`; and the count above it.
    private static (int Bin, int Above) Boundary(int[] histogram, int needed)
    {
        var above = 0;
        var bin = histogram.Length - 1;
        while (above + histogram[bin] < needed) above += histogram[bin--];
        return (bin, above);
    }

    // Unsigned bits whose order is the order of the floats (descending for smallest), with every NaN at the top.
    private static uint Rank(float x, bool largest)
    {
        if (float.IsNaN(x)) return uint.MaxValue;
        if (x == 0) x = 0; // −0 ties with +0
        var bits = BitConverter.SingleToUInt32Bits(x);
        var ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        // Non-NaN floats order into [0x007F_FFFF, 0xFF80_0000], which the complement maps onto itself: NaN's slot stays free.
        return largest ? ordered : ~ordered;
    }
}
