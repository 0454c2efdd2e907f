namespace Winnow.Engine.Training;

/// <summary>Where a trainer's state is written to and read from, part by part; the trainer knows no files.</summary>
public interface ICheckpointStore
{
    /// <summary>The store as a user knows it (a checkpoint folder), for messages.</summary>
    string Name { get; }

    /// <summary>A new part to write; flushed to durable storage when disposed.</summary>
    Stream Create(string part);

    /// <summary>A part to read.</summary>
    /// <exception cref="Core.StorageError">it is missing or cannot be read; the message names it.</exception>
    Stream Open(string part);

    bool Has(string part);
}

/// <summary>What can save a trainer's state: everything a resumed run needs to continue exactly.</summary>
public interface ITrainingState
{
    /// <summary>Epochs finished so far (restored ones included).</summary>
    int CompletedEpochs { get; }

    void Save(ICheckpointStore store);
}
