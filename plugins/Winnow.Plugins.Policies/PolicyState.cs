using System.Text;

namespace Winnow.Plugins.Policies;

/// <summary>The checkpoint format the policies with state share (<see cref="IRestorable"/>), all integers little-endian int32:
/// the policy's format version, its name (byte length, then UTF-8), N, then the policy's own fields. An index array is its length
/// (−1 for none yet) followed by its entries.</summary>
/// <remarks>Reading validates everything before the policy changes anything, and reads exactly what was written, so that states
/// can follow each other in one stream. Data that does not fit throws <see cref="InvalidDataException"/>.</remarks>
internal static class PolicyState
{
    private const int MaxNameBytes = 64;

    /// <summary>Writes the version, the policy's name and N.</summary>
    public static void WriteHeader(BinaryWriter writer, int version, string policy, int sampleCount)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(version);
        var name = Encoding.UTF8.GetBytes(policy);
        writer.Write(name.Length);
        writer.Write(name);
        writer.Write(sampleCount);
    }

    /// <summary>Writes an index array with its length, or −1 for none.</summary>
    public static void WriteIndices(BinaryWriter writer, int[]? indices)
    {
        if (indices is null)
        {
            writer.Write(-1);
            return;
        }
        writer.Write(indices.Length);
        foreach (var i in indices) writer.Write(i);
    }

    /// <summary>Writes the header, then the selection: the whole state of a policy whose only state is its current selection.</summary>
    public static void SaveSelection(BinaryWriter writer, int version, string policy, int sampleCount, int[]? selection)
    {
        WriteHeader(writer, version, policy, sampleCount);
        WriteIndices(writer, selection);
    }

    /// <summary>Reads what <see cref="SaveSelection"/> wrote: a selection of exactly <paramref name="keepCount"/> indices, or none.</summary>
    public static int[]? RestoreSelection(BinaryReader reader, int version, string policy, int sampleCount, int keepCount) =>
        Read(reader, version, policy, sampleCount, r => ReadSelection(r, policy, sampleCount, keepCount));

    /// <summary>Reads and checks the header, then the policy's fields with <paramref name="body"/>; a stream that ends early,
    /// or a header of another version, policy or N, throws <see cref="InvalidDataException"/>.</summary>
    public static T Read<T>(BinaryReader reader, int version, string policy, int sampleCount, Func<BinaryReader, T> body)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            var savedVersion = reader.ReadInt32();
            if (savedVersion != version)
                throw new InvalidDataException($"{policy}: the saved policy state has format version {savedVersion}; this build reads version {version}");
            var nameLength = reader.ReadInt32();
            if (nameLength is < 0 or > MaxNameBytes)
                throw new InvalidDataException($"{policy}: the saved policy state is not a policy state (a name of {nameLength} bytes)");
            var name = Encoding.UTF8.GetString(ReadExactly(reader, nameLength));
            if (name != policy)
                throw new InvalidDataException($"{policy}: the saved policy state is of policy '{name}', not '{policy}'");
            var count = reader.ReadInt32();
            if (count != sampleCount)
                throw new InvalidDataException($"{policy}: the saved policy state is for {count} samples; this run has {sampleCount}");
            return body(reader);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{policy}: the saved policy state ends early (truncated)", e);
        }
    }

    /// <summary>A selection: none (−1), or exactly <paramref name="keepCount"/> indices, strictly ascending, in [0, N).</summary>
    public static int[]? ReadSelection(BinaryReader reader, string policy, int sampleCount, int keepCount)
    {
        var selection = ReadIndices(reader, policy, "selection", keepCount, sampleCount);
        if (selection is null) return null;
        for (var i = 1; i < selection.Length; i++)
        {
            if (selection[i - 1] >= selection[i])
                throw new InvalidDataException($"{policy}: the saved selection is not strictly ascending ({selection[i - 1]} then {selection[i]})");
        }
        return selection;
    }

    /// <summary>A permutation of [0, N), or none (−1).</summary>
    public static int[]? ReadPermutation(BinaryReader reader, string policy, int sampleCount)
    {
        var permutation = ReadIndices(reader, policy, "permutation", sampleCount, sampleCount);
        if (permutation is null) return null;
        var seen = new bool[sampleCount];
        foreach (var s in permutation)
        {
            if (seen[s]) throw new InvalidDataException($"{policy}: the saved permutation holds sample {s} twice");
            seen[s] = true;
        }
        return permutation;
    }

    // An index array of exactly `length` entries in [0, N), or null for −1.
    private static int[]? ReadIndices(BinaryReader reader, string policy, string what, int length, int sampleCount)
    {
        var saved = reader.ReadInt32();
        if (saved == -1) return null;
        if (saved != length)
            throw new InvalidDataException($"{policy}: the saved {what} has {saved} entries; this run's has {length}");
        var indices = new int[length];
        for (var i = 0; i < length; i++)
        {
            var s = reader.ReadInt32();
            if (s < 0 || s >= sampleCount)
                throw new InvalidDataException($"{policy}: the saved {what} holds sample index {s}, outside [0, {sampleCount})");
            indices[i] = s;
        }
        return indices;
    }

    private static byte[] ReadExactly(BinaryReader reader, int count)
    {
        var bytes = reader.ReadBytes(count);
        if (bytes.Length != count) throw new EndOfStreamException();
        return bytes;
    }
}
