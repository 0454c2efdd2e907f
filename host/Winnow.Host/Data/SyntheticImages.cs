using System.Numerics;
using Winnow.DataFiles;

namespace Winnow.Host.Data;

/// <summary>What <c>winnow data generate</c> is asked to write.</summary>
internal sealed record SyntheticImagesJob(string Output, long Train, long Test, int[] Shape, int Classes, int Seed);

/// <summary>Writes a data file of generated uint8 images of any size, to try a machine on data larger than its memory before a user's
/// own data is there. Each image is a quarter of its class's fixed pattern and three quarters noise: learnable, but not at once.</summary>
/// <remarks>The noise of a record is a window at a random offset of one seeded buffer, so that writing is bound by the disk, not by
/// a random generator (tens of GB at a few ns a byte would take minutes more). The same seed gives the same file.</remarks>
internal static class SyntheticImages
{
    // Four times the largest record the command allows (2^24 bytes), so that windows at random offsets differ.
    private const int NoiseBytes = 64 << 20;

    public static int Run(SyntheticImagesJob job, TextWriter output)
    {
        var random = new Random(job.Seed);
        var recordBytes = job.Shape.Aggregate(1L, (a, d) => a * d);
        var record = (int)recordBytes;
        var patterns = new byte[job.Classes][];
        for (var c = 0; c < job.Classes; c++)
        {
            patterns[c] = new byte[record];
            random.NextBytes(patterns[c]);
            // A quarter of each value: the sum with three quarters of the noise stays within a byte.
            for (var i = 0; i < record; i++) patterns[c][i] >>= 2;
        }
        var noise = new byte[NoiseBytes];
        random.NextBytes(noise);
        for (var i = 0; i < noise.Length; i++) noise[i] = (byte)(noise[i] - (noise[i] >> 2));

        var classes = Enumerable.Range(0, job.Classes).Select(c => $"class {c}").ToArray();
        var total = job.Train + job.Test;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var buffer = new byte[record];
        using var writer = new DataFileWriter(job.Output, job.Shape, classes,
            $"winnow data generate: {job.Train} train, {job.Test} test, [{string.Join(", ", job.Shape)}], {job.Classes} classes, seed {job.Seed}");
        for (long n = 0; n < total; n++)
        {
            var label = random.Next(job.Classes);
            Mix(patterns[label], noise.AsSpan(random.Next(NoiseBytes - record), record), buffer);
            if (n < job.Train) writer.AddTrain(buffer, label);
            else writer.AddTest(buffer, label);
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(5))
            {
                lastReport = clock.Elapsed;
                output.WriteLine($"  {n + 1:N0} of {total:N0} records ({(n + 1) * 100.0 / total:F0}%), {(n + 1) * recordBytes / clock.Elapsed.TotalSeconds / 1e6:F0} MB/s, {clock.Elapsed.TotalSeconds:F0}s");
            }
        }
        output.WriteLine("  writing the labels and the header …");
        var header = writer.Finish();
        var length = new FileInfo(job.Output).Length;
        output.WriteLine($"generated {header.Train:N0} train and {header.Test:N0} test records of {header.Classes.Count} classes, [{string.Join(", ", header.Shape)}], " +
                         $"{length / 1e9:F1} GB, in {clock.Elapsed.TotalSeconds:F0}s: {Path.GetFullPath(job.Output)}");
        return Cli.Ok;
    }

    private static void Mix(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> noise, Span<byte> into)
    {
        var i = 0;
        for (; i <= into.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            (new Vector<byte>(pattern[i..]) + new Vector<byte>(noise[i..])).CopyTo(into[i..]);
        for (; i < into.Length; i++) into[i] = (byte)(pattern[i] + noise[i]);
    }
}
