namespace Winnow.Engine.Training;

/// <summary>Derives independent, reproducible seeds from the run's one seed.</summary>
/// <remarks>Not <see cref="HashCode"/>: it is randomised per process, and a resumed run must draw what the first one drew.</remarks>
public static class Seeds
{
    /// <summary>Streams of randomness the engine draws from; each is independent of the others.</summary>
    public enum Stream
    {
        Policy = 1,
        Shuffle = 2,
        Augment = 3,
    }

    public static int Derive(int seed, Stream stream, int epoch)
    {
        var x = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)stream << 32) ^ (uint)epoch;
        // SplitMix64 finaliser: nearby inputs give unrelated outputs.
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x & int.MaxValue);
    }

    public static Random For(int seed, Stream stream, int epoch) => new(Derive(seed, stream, epoch));
}
