using static TorchSharp.torch;

namespace Winnow;

/// <summary>Opens a labelled dataset. Export with <see cref="WinnowPluginAttribute"/>.
/// <see cref="DatasetPlugin{TOptions}"/> implements it with the options cast and validated.</summary>
public interface IDatasetPlugin : IPlugin
{
    /// <summary>Reads the train and test splits. Throw <see cref="InvalidDataException"/> (naming the file and
    /// what is wrong) for bad data, and <see cref="FileNotFoundException"/> or
    /// <see cref="DirectoryNotFoundException"/> for missing files: the host reports the message and stops before training.</summary>
    /// <param name="options">An instance of <see cref="IPlugin.OptionsType"/>, bound and validated.</param>
    /// <param name="context">Where relative paths start and the run's seed.</param>
    Dataset Open(object options, DatasetContext context);
}

/// <summary>What a dataset plugin may use: relative paths resolve against <paramref name="BaseDirectory"/>
/// (the folder of the configuration file); every random choice derives from <paramref name="Seed"/>.</summary>
public sealed record DatasetContext(string BaseDirectory, int Seed);

/// <summary>How byte inputs become model inputs: <c>x = (b / 255 − Mean[c]) / Std[c]</c>, where <c>c</c> is the sample's channel
/// (dimension 1 of a batch). Mean and Std are on the [0, 1] scale, one per channel.</summary>
public sealed record Normalization
{
    /// <summary>One mean and one standard deviation (greater than 0, finite) per channel.</summary>
    public Normalization(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new ArgumentException($"one mean and one standard deviation per channel; got {mean.Count} means and {std.Count} deviations", nameof(std));
        if (mean.Any(m => !float.IsFinite(m))) throw new ArgumentException("every mean must be finite", nameof(mean));
        if (std.Any(s => !(s > 0) || !float.IsFinite(s))) throw new ArgumentException("every standard deviation must be finite and greater than 0", nameof(std));
        Mean = [.. mean];
        Std = [.. std];
    }

    /// <summary>Per channel, on the [0, 1] scale.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per channel, on the [0, 1] scale.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>Equal when every mean and every standard deviation is (a record would compare the lists by reference).</summary>
    public bool Equals(Normalization? other) => other is not null && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Mean.Count, Mean[0], Std[0]);

    /// <summary>The mean and standard deviation as tensors on <paramref name="device"/>, shaped to broadcast over a batch of
    /// <paramref name="batchDimensions"/> dimensions (<c>[1, C, 1, 1]</c> for images).</summary>
    public (Tensor Mean, Tensor Std) On(Device device, int batchDimensions)
    {
        var shape = new long[batchDimensions];
        Array.Fill(shape, 1L);
        shape[1] = Mean.Count;
        return (tensor(Mean.ToArray(), device: device).view(shape), tensor(Std.ToArray(), device: device).view(shape));
    }

    /// <summary>The model inputs of a uint8 batch, on its device: float32, then ÷ 255, − mean, ÷ std, in that order (the order
    /// the readers used when they stored float32, so that both give the same bits).</summary>
    public static Tensor Apply(Tensor bytes, (Tensor Mean, Tensor Std) on) =>
        bytes.to_type(ScalarType.Float32).div_(255f).sub_(on.Mean).div_(on.Std);
}

/// <summary>One split in memory: inputs <c>[N, …sample shape]</c> and labels <c>[N]</c> as int64 in <c>[0, classes)</c>. Inputs are
/// either float32, already normalised, or uint8 with the <see cref="Normalization"/> that turns a batch into model inputs on the
/// device (a quarter of the memory). The engine moves both to the device once and gathers batches by index.</summary>
public sealed class LabeledData : IDisposable
{
    /// <summary>Float32 inputs, already normalised. Takes ownership of both tensors.</summary>
    public LabeledData(Tensor inputs, Tensor labels) : this(inputs, labels, null)
    {
    }

    /// <summary>Uint8 inputs <c>[N, C, …]</c> with their normalisation (one mean and std per channel C), or float32 inputs with
    /// <paramref name="normalization"/> null. Takes ownership of both tensors.</summary>
    public LabeledData(Tensor inputs, Tensor labels, Normalization? normalization)
    {
        if (inputs.shape.Length < 2) throw new ArgumentException("inputs must be [N, …sample shape]", nameof(inputs));
        if (labels.shape.Length != 1 || labels.shape[0] != inputs.shape[0])
            throw new ArgumentException($"labels must be [N] with N = {inputs.shape[0]}; got [{string.Join(", ", labels.shape)}]", nameof(labels));
        if (normalization is null && inputs.dtype != ScalarType.Float32)
            throw new ArgumentException($"inputs must be float32, or uint8 with a Normalization; got {inputs.dtype} without one", nameof(inputs));
        if (normalization is not null && inputs.dtype != ScalarType.Byte)
            throw new ArgumentException($"a Normalization is for uint8 inputs; got {inputs.dtype}, which must come already normalised", nameof(normalization));
        if (normalization is not null && normalization.Mean.Count != inputs.shape[1])
            throw new ArgumentException($"the Normalization has {normalization.Mean.Count} channels, the inputs {inputs.shape[1]} (dimension 1 of [N, C, …])", nameof(normalization));
        if (labels.dtype != ScalarType.Int64) throw new ArgumentException($"labels must be int64, got {labels.dtype}", nameof(labels));
        Inputs = inputs;
        Labels = labels;
        Normalization = normalization;
    }

    /// <summary><c>[N, …sample shape]</c>: float32, or uint8 when <see cref="Normalization"/> is set.</summary>
    public Tensor Inputs { get; }

    /// <summary>How uint8 inputs become model inputs; null for float32 inputs, which are used as they are.</summary>
    public Normalization? Normalization { get; }

    /// <summary>Int64 <c>[N]</c>.</summary>
    public Tensor Labels { get; }

    /// <summary>N.</summary>
    public int Count => (int)Labels.shape[0];

    /// <inheritdoc/>
    public void Dispose()
    {
        Inputs.Dispose();
        Labels.Dispose();
    }
}

/// <summary>An opened dataset: both splits, the sample shape and the class names.</summary>
public sealed class Dataset : IDisposable
{
    /// <summary>Takes ownership of both splits.</summary>
    public Dataset(LabeledData train, LabeledData test, IReadOnlyList<string> classNames)
    {
        if (train.Count == 0) throw new InvalidDataException("the training split is empty");
        if (test.Count == 0) throw new InvalidDataException("the test split is empty");
        if (!train.Inputs.shape.Skip(1).SequenceEqual(test.Inputs.shape.Skip(1)))
            throw new InvalidDataException("train and test samples differ in shape");
        if (train.Inputs.dtype != test.Inputs.dtype || train.Normalization != test.Normalization)
            throw new InvalidDataException("train and test inputs differ in type or normalisation: both float32, or both uint8 with the same Normalization");
        if (classNames.Count < 2) throw new ArgumentException("a classifier needs at least two classes", nameof(classNames));
        Train = train;
        Test = test;
        ClassNames = classNames;
    }

    /// <summary>The split the policy selects from.</summary>
    public LabeledData Train { get; }

    /// <summary>The split evaluated after every epoch.</summary>
    public LabeledData Test { get; }

    /// <summary>One name per class; its count is the class count.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The shape of one sample, for example <c>[1, 28, 28]</c>.</summary>
    public long[] SampleShape => Train.Inputs.shape[1..];

    /// <summary>The bytes both splits hold in memory (inputs and labels).</summary>
    public long Bytes => Train.Inputs.NumberOfElements * Train.Inputs.ElementSize + Test.Inputs.NumberOfElements * Test.Inputs.ElementSize
        + (Train.Count + Test.Count) * sizeof(long);

    /// <summary>What the engine applies to every training batch (never to evaluation or refresh passes); null for none.</summary>
    public IAugmentation? Augmentation { get; init; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}

/// <summary>Random transformations of a training batch, applied on the batch's device as tensor operations.</summary>
public interface IAugmentation
{
    /// <summary>Returns the augmented batch (same shape as <paramref name="batch"/>, on its device).</summary>
    /// <param name="batch">Float <c>[B, …sample shape]</c>, already normalised.</param>
    /// <param name="generator">A CPU generator seeded by the engine from the run's seed and the epoch: the only source of
    /// randomness, so that a run is reproducible and resumable. Draw the random parameters on the CPU with it, then move them.</param>
    Tensor Apply(Tensor batch, Generator generator);
}
