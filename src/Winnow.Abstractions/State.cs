namespace Winnow;

/// <summary>Implemented by a policy or scorer that keeps state of its own (a cached selection, a permutation and its cursor,
/// per-sample history), so that a run resumed from a checkpoint continues exactly as if it had never stopped.</summary>
/// <remarks>The engine calls <see cref="Save"/> after every epoch and <see cref="Restore"/> once, on a freshly created instance
/// built with the same options and context, before the first resumed epoch. The score board, the model, the optimiser and
/// every generator are saved by the engine; save only what is yours. Throw <see cref="InvalidDataException"/> when the data
/// does not fit (another run's state, another N).</remarks>
public interface IRestorable
{
    /// <summary>Writes the state.</summary>
    void Save(BinaryWriter writer);

    /// <summary>Reads back what <see cref="Save"/> wrote.</summary>
    void Restore(BinaryReader reader);
}
