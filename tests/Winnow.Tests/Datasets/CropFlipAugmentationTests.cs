using TorchSharp;
using Winnow.Plugins.Datasets;
using static TorchSharp.torch;

namespace Winnow.Tests.Datasets;

[TestClass]
public sealed class CropFlipAugmentationTests
{
    /// <summary>A batch [B, C, H, W] whose values are all positive and distinct (1, 2, 3, …), so a zero can only come from the border
    /// and every shift of a sample is told apart from every other.</summary>
    private static Tensor Batch(long count, long channels, long height, long width) =>
        arange(1, count * channels * height * width + 1, ScalarType.Float32).reshape(count, channels, height, width);

    /// <summary>The reference the augmentation must match, written out element by element: sample shifted by (dy, dx) with zeros
    /// outside, then mirrored when <paramref name="flip"/> is set.</summary>
    private static float[] Expected(Tensor sample, long dy, long dx, bool flip)
    {
        var (channels, height, width) = (sample.shape[0], sample.shape[1], sample.shape[2]);
        var input = sample.data<float>().ToArray();
        var output = new float[input.Length];
        for (var c = 0; c < channels; c++)
            for (var i = 0; i < height; i++)
                for (var j = 0; j < width; j++)
                {
                    var source = flip ? width - 1 - j : j;
                    long row = i + dy, column = source + dx;
                    output[(c * height + i) * width + j] = row < 0 || row >= height || column < 0 || column >= width
                        ? 0f
                        : input[(c * height + row) * width + column];
                }
        return output;
    }

    private static float[] Values(Tensor t) => t.data<float>().ToArray();

    private static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var equal = a.eq(b);
        using var all = equal.all();
        return all.item<bool>();
    }

    private static Generator Seeded(ulong seed) => new(seed, CPU);

    [TestMethod]
    public void NothingToDoReturnsTheBatchUnchangedAndLeavesTheGeneratorAlone()
    {
        using var batch = Batch(4, 3, 5, 6);
        using var generator = Seeded(7);
        var augmentation = new CropFlipAugmentation(0, flip: false);

        using var output = augmentation.Apply(batch, generator);

        Assert.IsTrue(augmentation.IsIdentity);
        Assert.IsTrue(Same(output, batch));
        using var fresh = Seeded(7);
        using var next = randint(0, 1_000_000, [4], generator: generator);
        using var expected = randint(0, 1_000_000, [4], generator: fresh);
        Assert.IsTrue(Same(next, expected), "the generator was advanced");
    }

    [TestMethod]
    public void ForcedFlipGivesExactlyTheMirroredImage()
    {
        using var batch = Batch(3, 2, 4, 5);
        using var flips = ones(3, ScalarType.Bool);

        using var output = CropFlipAugmentation.Transform(batch, null, null, flips);
        using var mirrored = batch.flip(3);

        CollectionAssert.AreEqual(Values(mirrored), Values(output));
        // Column 0 of the output is column 4 of the input: sample 0, channel 0, row 0 holds 1 2 3 4 5.
        Assert.AreEqual(5f, output[0, 0, 0, 0].item<float>());
        Assert.AreEqual(1f, output[0, 0, 0, 4].item<float>());
    }

    [TestMethod]
    public void FlipOnlyMirrorsTheSamplesTheGeneratorChose()
    {
        using var batch = Batch(12, 3, 4, 5);
        using var generator = Seeded(3);
        using var replay = Seeded(3);

        using var output = new CropFlipAugmentation(0, flip: true).Apply(batch, generator);

        // The documented draw: B flips as randint(0, 2, [B]), and no shifts when the padding is 0.
        var flips = randint(0, 2, [12], generator: replay).data<long>().ToArray();
        Assert.IsTrue(flips.Contains(0) && flips.Contains(1), "this seed should flip some samples and not others");
        for (var b = 0; b < 12; b++)
        {
            using var expected = flips[b] == 1 ? batch[b].flip(2) : batch[b].clone();
            CollectionAssert.AreEqual(Values(expected), Values(output[b]), $"sample {b} (flip {flips[b]})");
        }
    }

    [TestMethod]
    public void ShiftFillsZerosFromTheBorderByHand()
    {
        // One sample, one channel, 4 rows × 5 columns holding 1 … 20.
        using var batch = Batch(1, 1, 4, 5);
        using var dy = tensor(new long[] { 1 });
        using var dx = tensor(new long[] { -2 });

        using var shifted = CropFlipAugmentation.Transform(batch, dy, dx, null);
        using var shiftedAndFlipped = CropFlipAugmentation.Transform(batch, dy, dx, tensor(new[] { true }));

        // Output (i, j) is input (i + 1, j - 2): the content moves up one row and right two columns; zeros enter at the bottom and left.
        float[] expected =
        [
            0, 0, 6, 7, 8,
            0, 0, 11, 12, 13,
            0, 0, 16, 17, 18,
            0, 0, 0, 0, 0,
        ];
        CollectionAssert.AreEqual(expected, Values(shifted));
        // The flip mirrors the shifted image.
        float[] mirrored =
        [
            8, 7, 6, 0, 0,
            13, 12, 11, 0, 0,
            18, 17, 16, 0, 0,
            0, 0, 0, 0, 0,
        ];
        CollectionAssert.AreEqual(mirrored, Values(shiftedAndFlipped));
    }

    [TestMethod]
    public void CropKeepsTheShapeAndEverySampleIsTheInputShiftedWithinThePadding()
    {
        const int padding = 2;
        using var batch = Batch(8, 3, 6, 7);
        using var generator = Seeded(11);

        using var output = new CropFlipAugmentation(padding, flip: false).Apply(batch, generator);

        CollectionAssert.AreEqual(batch.shape, output.shape);
        Assert.AreEqual(ScalarType.Float32, output.dtype);
        var seen = new HashSet<(int, int)>();
        for (var b = 0; b < 8; b++)
        {
            // Exactly one offset in [-p, p]² explains the sample, the same for all three channels.
            var actual = Values(output[b]);
            var matches = (from dy in Enumerable.Range(-padding, 2 * padding + 1)
                           from dx in Enumerable.Range(-padding, 2 * padding + 1)
                           where Expected(batch[b], dy, dx, flip: false).SequenceEqual(actual)
                           select (dy, dx)).ToList();
            Assert.HasCount(1, matches, $"sample {b}");
            seen.Add(matches[0]);
        }
        Assert.IsGreaterThan(1, seen.Count, "every sample got the same offset");
    }

    [TestMethod]
    public void CropAndFlipFollowTheDocumentedDraws()
    {
        const int padding = 3;
        using var batch = Batch(10, 2, 5, 5);
        using var generator = Seeded(5);
        using var replay = Seeded(5);

        using var output = new CropFlipAugmentation(padding, flip: true).Apply(batch, generator);

        // Row shifts, column shifts, then flips, all drawn on the CPU from the generator.
        var dy = randint(-padding, padding + 1, [10], generator: replay).data<long>().ToArray();
        var dx = randint(-padding, padding + 1, [10], generator: replay).data<long>().ToArray();
        var flips = randint(0, 2, [10], generator: replay).data<long>().ToArray();
        for (var b = 0; b < 10; b++)
            CollectionAssert.AreEqual(Expected(batch[b], dy[b], dx[b], flips[b] == 1), Values(output[b]), $"sample {b}: shift ({dy[b]}, {dx[b]}), flip {flips[b]}");
    }

    [TestMethod]
    public void SameSeedGivesTheSameOutputAndAnotherSeedDiffers()
    {
        using var batch = Batch(16, 3, 8, 8);
        var augmentation = new CropFlipAugmentation(4, flip: true);

        using var a = augmentation.Apply(batch, Seeded(42));
        using var b = augmentation.Apply(batch, Seeded(42));
        using var c = augmentation.Apply(batch, Seeded(43));

        Assert.IsTrue(Same(a, b));
        Assert.IsFalse(Same(a, c));
        // The batch itself is left alone.
        using var original = Batch(16, 3, 8, 8);
        Assert.IsTrue(Same(batch, original));
    }

    [TestMethod]
    public void RunsOnTheDeviceOfTheBatch()
    {
        var devices = new List<Device> { CPU };
        if (cuda.is_available()) devices.Add(CUDA);
        foreach (var device in devices)
        {
            using var cpuBatch = Batch(6, 3, 8, 8);
            using var batch = cpuBatch.to(device);

            using var output = new CropFlipAugmentation(2, flip: true).Apply(batch, Seeded(9));
            using var reference = new CropFlipAugmentation(2, flip: true).Apply(cpuBatch, Seeded(9));

            Assert.AreEqual(device.type, output.device.type);
            // The parameters come from the CPU generator, so every device gives the same result.
            Assert.IsTrue(Same(output.cpu(), reference), $"{device} differs from the CPU");
        }
    }

    [TestMethod]
    public void WorksOnAnyNumberOfLeadingDimensions()
    {
        using var grey = Batch(4, 1, 6, 6).squeeze(1);
        using var generator = Seeded(1);
        using var replay = Seeded(1);

        using var output = new CropFlipAugmentation(1, flip: true).Apply(grey, generator);

        CollectionAssert.AreEqual(new long[] { 4, 6, 6 }, output.shape);
        var dy = randint(-1, 2, [4], generator: replay).data<long>().ToArray();
        var dx = randint(-1, 2, [4], generator: replay).data<long>().ToArray();
        var flips = randint(0, 2, [4], generator: replay).data<long>().ToArray();
        for (var b = 0; b < 4; b++)
            CollectionAssert.AreEqual(Expected(grey[b].unsqueeze(0), dy[b], dx[b], flips[b] == 1), Values(output[b]), $"sample {b}");

        // Five dimensions: the middle ones act as channels, all shifted alike.
        using var video = Batch(2, 6, 4, 5);
        using var video5 = video.reshape(2, 2, 3, 4, 5);
        using var videoOutput = new CropFlipAugmentation(1, flip: true).Apply(video5, Seeded(2));
        using var asChannels = new CropFlipAugmentation(1, flip: true).Apply(video, Seeded(2));
        CollectionAssert.AreEqual(video5.shape, videoOutput.shape);
        CollectionAssert.AreEqual(Values(asChannels), Values(videoOutput));
        // An empty batch.
        using var empty = zeros(0, 3, 8, 8);
        using var emptyOutput = new CropFlipAugmentation(2, flip: true).Apply(empty, Seeded(2));
        CollectionAssert.AreEqual(empty.shape, emptyOutput.shape);
    }

    [TestMethod]
    public void RejectsWhatItCannotAugment()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CropFlipAugmentation(-1, flip: false));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CropFlipAugmentation(CropFlipAugmentation.MaxPadding + 1, flip: false));

        using var flat = zeros(4, 10);
        var rank = Assert.ThrowsExactly<ArgumentException>(() => new CropFlipAugmentation(2, flip: true).Apply(flat, Seeded(1)));
        Assert.Contains("[4, 10]", rank.Message);

        using var batch = Batch(4, 1, 3, 3);
        using var wrong = zeros(3, ScalarType.Int64);
        var shape = Assert.ThrowsExactly<ArgumentException>(() => CropFlipAugmentation.Transform(batch, wrong, null, null));
        Assert.Contains("rowShifts", shape.Message);
    }
}
