using System.ComponentModel.DataAnnotations;
using TorchSharp;
using static TorchSharp.torch;

namespace Winnow.Plugins.Datasets;

/// <summary>Options of <see cref="SyntheticDatasetPlugin"/> (config section <c>Run:Dataset:Options</c>).</summary>
public sealed class SyntheticOptions : IValidatableObject
{
    /// <summary>The most float32 elements one split may hold (2^31, that is 8 GiB): past that a typo in a size, not a
    /// real wish, is the likely cause, and the allocation would fail deep inside libtorch.</summary>
    public const long MaxElementsPerSplit = 1L << 31;

    /// <summary>Training samples.</summary>
    [Range(1, 10_000_000)]
    public int TrainSize { get; set; } = 2048;

    /// <summary>Test samples.</summary>
    [Range(1, 10_000_000)]
    public int TestSize { get; set; } = 512;

    /// <summary>Number of classes (clusters).</summary>
    [Range(2, 1000)]
    public int Classes { get; set; } = 4;

    /// <summary>Channels of a sample.</summary>
    [Range(1, 512)]
    public int Channels { get; set; } = 1;

    /// <summary>Height of a sample.</summary>
    [Range(1, 512)]
    public int Height { get; set; } = 8;

    /// <summary>Width of a sample.</summary>
    [Range(1, 512)]
    public int Width { get; set; } = 8;

    /// <summary>The largest <see cref="Noise"/> and <see cref="Separation"/>: samples are float32, and far below its limit (3.4e38)
    /// the losses of any model overflow; a larger value is a typo, not an experiment.</summary>
    public const double MaxScale = 1e6;

    /// <summary>Standard deviation of the noise around a class mean, per element.</summary>
    [Range(double.Epsilon, MaxScale)]
    public double Noise { get; set; } = 1.0;

    /// <summary>Standard deviation of the class means, per element: larger means easier to tell apart.</summary>
    [Range(double.Epsilon, MaxScale)]
    public double Separation { get; set; } = 2.0;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var sample = (long)Channels * Height * Width;
        foreach (var (size, name) in new[] { (TrainSize, nameof(TrainSize)), (TestSize, nameof(TestSize)) })
            if (size * sample > MaxElementsPerSplit)
                yield return new ValidationResult(
                    $"{name} × {nameof(Channels)} × {nameof(Height)} × {nameof(Width)} = {size * sample:N0} elements, more than the {MaxElementsPerSplit:N0} one split may hold",
                    [name]);
    }
}

/// <summary>Gaussian clusters of any size and shape, generated from the run's seed: for tests and quick trials.</summary>
/// <remarks>
/// <para>Every class has a mean drawn element-wise from N(0, Separation²); a sample is its class's mean plus Noise × N(0, 1)
/// per element. Labels are balanced (sample i has class i mod Classes) and then shuffled.</para>
/// <para>All randomness comes from one <see cref="torch.Generator"/> seeded with <see cref="DatasetContext.Seed"/>, drawn in a
/// fixed order: class means, training labels' permutation, training noise, test labels' permutation, test noise. libtorch's
/// CPU generator is deterministic, so the same seed gives bit-identical data, and the test split shares the training split's
/// clusters. Using a private generator leaves TorchSharp's global one (which model initialisation draws from) untouched.</para>
/// </remarks>
[WinnowPlugin(PluginKind.Dataset, "synthetic", "Seeded Gaussian clusters of any size and shape, for tests and quick trials")]
public sealed class SyntheticDatasetPlugin : DatasetPlugin<SyntheticOptions>
{
    /// <inheritdoc/>
    protected override Dataset Open(SyntheticOptions o, DatasetContext context)
    {

        // Any int seed maps to a distinct generator seed; negative seeds are as good as positive ones.
        using var generator = new torch.Generator(unchecked((ulong)(uint)context.Seed), torch.CPU);
        long[] sampleShape = [o.Channels, o.Height, o.Width];

        using var means = randn([o.Classes, .. sampleShape], generator: generator);
        means.mul_(o.Separation);
        LabeledData? train = null, test = null;
        try
        {
            train = Draw(means, o.TrainSize, o.Classes, o.Noise, generator);
            test = Draw(means, o.TestSize, o.Classes, o.Noise, generator);
            return new Dataset(train, test, [.. Enumerable.Range(0, o.Classes).Select(c => $"class {c}")]);
        }
        catch
        {
            train?.Dispose();
            test?.Dispose();
            throw;
        }
    }

    private static LabeledData Draw(Tensor means, int count, int classes, double noise, torch.Generator generator)
    {
        using var scope = NewDisposeScope();
        var order = randperm(count, generator: generator);
        // Balanced classes: count / classes of each, the first count % classes classes one more.
        var labels = arange(count, dtype: ScalarType.Int64).remainder_(classes).index_select(0, order);
        var inputs = randn([count, .. means.shape[1..]], generator: generator).mul_(noise).add_(means.index_select(0, labels));
        // Detached, not moved to an outer scope: the dataset owns these tensors for the whole run, whatever scope the caller has open.
        return new LabeledData(inputs.DetachFromDisposeScope(), labels.DetachFromDisposeScope());
    }
}
