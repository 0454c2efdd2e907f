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

/// <summary>One split in memory: inputs <c>[N, …sample shape]</c> as float32, already normalised, and labels
/// <c>[N]</c> as int64 in <c>[0, classes)</c>. The engine moves both to the device once and gathers batches by index.</summary>
public sealed class LabeledData : IDisposable
{
    /// <summary>Takes ownership of both tensors.</summary>
    public LabeledData(Tensor inputs, Tensor labels)
    {
        if (inputs.shape.Length < 2) throw new ArgumentException("inputs must be [N, …sample shape]", nameof(inputs));
        if (labels.shape.Length != 1 || labels.shape[0] != inputs.shape[0])
            throw new ArgumentException($"labels must be [N] with N = {inputs.shape[0]}; got [{string.Join(", ", labels.shape)}]", nameof(labels));
        if (inputs.dtype != ScalarType.Float32) throw new ArgumentException($"inputs must be float32, got {inputs.dtype}", nameof(inputs));
        if (labels.dtype != ScalarType.Int64) throw new ArgumentException($"labels must be int64, got {labels.dtype}", nameof(labels));
        Inputs = inputs;
        Labels = labels;
    }

    /// <summary>Float32 <c>[N, …sample shape]</c>.</summary>
    public Tensor Inputs { get; }

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
