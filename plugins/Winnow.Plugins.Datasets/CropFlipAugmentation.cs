using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Datasets;

/// <summary>Random crop with zero padding and random horizontal flip, chosen per sample, for batches of images
/// <c>[B, …, H, W]</c> (usually <c>[B, C, H, W]</c>): the standard CIFAR augmentation is <c>new CropFlipAugmentation(4, true)</c>.</summary>
/// <remarks>
/// <para><b>Crop.</b> Every sample is shifted by its own (dy, dx), each drawn uniformly from <c>[-Padding, Padding]</c>: output pixel
/// (i, j) is input pixel (i + dy, j + dx), and zero where that lies outside the image. This is exactly padding the image with
/// <see cref="Padding"/> zeros on every side and cutting an H×W window at (Padding + dy, Padding + dx), the usual "random crop with
/// padding". The zeros go into the batch as it arrives, which is already normalised (see <see cref="IAugmentation"/>), so a border
/// stands for each channel's dataset mean colour rather than for black. That is the deliberate choice: it needs no knowledge of the
/// dataset's statistics, and a mean-coloured border is the more neutral one.</para>
/// <para><b>Flip.</b> Then, when <see cref="Flip"/> is on, every sample is mirrored left to right with probability 1/2.</para>
/// <para><b>Randomness.</b> <see cref="Apply(Tensor, Generator)"/> draws, in this order and nothing else, on the CPU from the generator it is
/// given: B row shifts and B column shifts (<c>randint(-Padding, Padding + 1, [B])</c> each, only when <see cref="Padding"/> &gt; 0),
/// then B flips (<c>randint(0, 2, [B])</c>, only when <see cref="Flip"/> is on). The same generator state therefore gives the same
/// output on any device. The parameters are then moved to the batch's device and applied there by <see cref="Transform"/>: one
/// gather with an index tensor, whatever the batch size, with no loop over samples.</para>
/// <para>With <see cref="Padding"/> 0 and <see cref="Flip"/> off the batch comes back unchanged and the generator is not touched.</para>
/// </remarks>
public sealed class CropFlipAugmentation : IAugmentation
{
    /// <summary>The largest padding accepted: past 16 most of a 32×32 image could be shifted out of view.</summary>
    public const int MaxPadding = 16;

    /// <param name="padding">The largest shift, in pixels, in each direction: 0 to <see cref="MaxPadding"/>; 0 turns cropping off.</param>
    /// <param name="flip">Whether to mirror half of the samples left to right.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="padding"/> is outside 0 to <see cref="MaxPadding"/>.</exception>
    public CropFlipAugmentation(int padding, bool flip)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(padding, MaxPadding);
        Padding = padding;
        Flip = flip;
    }

    /// <summary>The largest shift in each direction, in pixels (0 = no cropping).</summary>
    public int Padding { get; }

    /// <summary>Whether half of the samples are mirrored left to right.</summary>
    public bool Flip { get; }

    /// <summary>True when the augmentation does nothing (no padding, no flip).</summary>
    public bool IsIdentity => Padding == 0 && !Flip;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="batch"/> has fewer than three dimensions, or <paramref name="generator"/> is not a CPU generator.</exception>
    public Tensor Apply(Tensor batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(generator);
        RequireImages(batch);
        if (generator.device.type != DeviceType.CPU)
            throw new ArgumentException($"the generator must be a CPU generator (the parameters are drawn on the CPU), got one on {generator.device}", nameof(generator));

        using var scope = NewDisposeScope();
        var count = batch.shape[0];
        Tensor? rowShifts = null, columnShifts = null, flips = null;
        if (Padding > 0)
        {
            rowShifts = randint(-Padding, Padding + 1, [count], dtype: ScalarType.Int64, device: CPU, generator: generator);
            columnShifts = randint(-Padding, Padding + 1, [count], dtype: ScalarType.Int64, device: CPU, generator: generator);
        }
        if (Flip) flips = randint(0, 2, [count], dtype: ScalarType.Int64, device: CPU, generator: generator).eq(1);
        return Transform(batch, rowShifts, columnShifts, flips).MoveToOuterDisposeScope();
    }

    /// <summary>The deterministic part of <see cref="Apply(Tensor, Generator)"/>: shifts every sample of <paramref name="batch"/> by the given
    /// offsets, filling with zeros, then mirrors the samples whose flip is set. Runs on the batch's device; the parameters may be on any device.</summary>
    /// <param name="batch"><c>[B, …, H, W]</c>, at least three dimensions.</param>
    /// <param name="rowShifts">Integer <c>[B]</c>: output row i of sample b is input row i + rowShifts[b]; null for no vertical shift.</param>
    /// <param name="columnShifts">Integer <c>[B]</c>: output column j (before the flip) is input column j + columnShifts[b]; null for no horizontal shift.</param>
    /// <param name="flips">Boolean <c>[B]</c>: which samples to mirror left to right after the shift; null for none.</param>
    /// <returns>A new tensor of the batch's shape, dtype and device (a new handle on the same data when there is nothing to do).</returns>
    /// <exception cref="ArgumentException">The batch has fewer than three dimensions, or a parameter is not <c>[B]</c>.</exception>
    public static Tensor Transform(Tensor batch, Tensor? rowShifts, Tensor? columnShifts, Tensor? flips)
    {
        ArgumentNullException.ThrowIfNull(batch);
        RequireImages(batch);
        var count = batch.shape[0];
        RequirePerSample(rowShifts, count, nameof(rowShifts));
        RequirePerSample(columnShifts, count, nameof(columnShifts));
        RequirePerSample(flips, count, nameof(flips));
        if (rowShifts is null && columnShifts is null && flips is null) return batch.alias();

        using var scope = NewDisposeScope();
        var device = batch.device;
        long height = batch.shape[^2], width = batch.shape[^1];
        // The dimensions between the batch and the image (the channels) become one axis, so that one index pattern per sample serves them all.
        var channels = batch.shape[1..^2].Aggregate(1L, (product, size) => product * size);
        var images = batch.reshape(count, channels, height * width);

        // Source row of every output row, [B, H] (or [1, H] when rows do not move).
        var rows = arange(height, ScalarType.Int64, device).unsqueeze(0);
        if (rowShifts is not null) rows = rows.add(rowShifts.to(ScalarType.Int64, device).unsqueeze(1));
        // Source column of every output column, [B, W] (or [1, W]): the flip reads the shifted image from the right, the shift moves the source.
        var columns = arange(width, ScalarType.Int64, device).unsqueeze(0);
        if (flips is not null) columns = where(flips.to(ScalarType.Bool, device).unsqueeze(1), columns.neg().add(width - 1), columns);
        if (columnShifts is not null) columns = columns.add(columnShifts.to(ScalarType.Int64, device).unsqueeze(1));

        // One gather reads every output pixel from its source pixel: flat index row × W + column, [B, H × W], the same for all channels.
        var source = rows.clamp(0, height - 1).mul(width).unsqueeze(2).add(columns.clamp(0, width - 1).unsqueeze(1))
            .expand(count, height, width).reshape(count, 1, height * width);
        var output = images.gather(2, source.expand(images.shape));
        if (rowShifts is not null || columnShifts is not null)
        {
            // Pixels whose source lies outside the image are the zero padding.
            var outside = rows.lt(0).logical_or(rows.ge(height)).unsqueeze(2)
                .logical_or(columns.lt(0).logical_or(columns.ge(width)).unsqueeze(1))
                .expand(count, height, width).reshape(count, 1, height * width);
            output = output.masked_fill_(outside, 0);
        }

        return output.reshape(batch.shape).MoveToOuterDisposeScope();
    }

    private static void RequireImages(Tensor batch)
    {
        if (batch.dim() < 3)
            throw new ArgumentException($"a crop-and-flip augmentation needs images [B, …, H, W] of at least three dimensions; got [{string.Join(", ", batch.shape)}]", nameof(batch));
    }

    private static void RequirePerSample(Tensor? parameter, long count, string name)
    {
        if (parameter is not null && (parameter.dim() != 1 || parameter.shape[0] != count))
            throw new ArgumentException($"{name} must be [{count}], one value per sample; got [{string.Join(", ", parameter.shape)}]", name);
    }
}
