using TorchSharp;
using Winnow.Engine.Core;

namespace Winnow.Engine.Training;

// Everything a resumed run needs to continue exactly: model, optimiser, score board, the policy's and scorer's own state, and the
// global generator (dropout). Every other random choice derives from (seed, epoch).
public sealed partial class Trainer
{
    // 2: the policy's and the scorer's own state are framed with their length, so that a Restore that reads less or more is caught.
    private const int StateVersion = 2;
    private const string ModelPart = "model.bin";
    private const string OptimizerPart = "optimizer.bin";
    private const string BoardPart = "board.bin";
    private const string PolicyPart = "policy.bin";
    private const string ScorerPart = "scorer.bin";
    private const string RandomPart = "rng.bin";

    public void Save(ICheckpointStore store)
    {
        using (var s = store.Create(ModelPart)) _run.Model.save(s);
        using (var s = store.Create(OptimizerPart))
        using (var w = new BinaryWriter(s)) _optimizer.save_state_dict(w);
        using (var s = store.Create(BoardPart))
        using (var w = new BinaryWriter(s))
        {
            w.Write(StateVersion);
            w.Write(CompletedEpochs);
            Scores.Save(w);
        }
        SaveState(store, PolicyPart, _run.Policy as IRestorable);
        SaveState(store, ScorerPart, _run.Scorer as IRestorable);
        using (var s = store.Create(RandomPart))
        using (var rng = torch.get_rng_state())
            s.Write(rng.data<byte>().ToArray());
    }

    /// <summary>Reads back what <see cref="Save"/> wrote; training then continues after the saved epoch.</summary>
    /// <exception cref="InvalidDataException">the checkpoint does not belong to this configuration.</exception>
    public void Restore(ICheckpointStore store)
    {
        using (var s = store.Open(ModelPart)) _run.Model.load(s);
        using (var s = store.Open(OptimizerPart))
        using (var r = new BinaryReader(s)) _optimizer.load_state_dict(r);
        using (var s = store.Open(BoardPart))
        using (var r = new BinaryReader(s))
        {
            var version = r.ReadInt32();
            if (version != StateVersion)
                throw new InvalidDataException($"{store.Name}: checkpoint format {version}, but this Winnow reads format {StateVersion} (it was written by another version of Winnow); start the run again");
            CompletedEpochs = r.ReadInt32();
            Scores.Restore(r);
        }
        RestoreState(store, PolicyPart, _run.Policy as IRestorable, _run.PolicyPlugin.Entry);
        RestoreState(store, ScorerPart, _run.Scorer as IRestorable, _run.ScorerPlugin.Entry);
        using (var s = store.Open(RandomPart))
        using (var copy = new MemoryStream())
        {
            s.CopyTo(copy);
            using var rng = torch.tensor(copy.ToArray());
            torch.set_rng_state(rng);
        }
    }

    // A plugin's state goes into a frame: its length, then the bytes its Save wrote. Restore is handed exactly those bytes.
    private static void SaveState(ICheckpointStore store, string part, IRestorable? state)
    {
        if (state is null) return;
        var bytes = new MemoryStream();
        using (var w = new BinaryWriter(bytes, System.Text.Encoding.UTF8, leaveOpen: true)) state.Save(w);
        using var s = store.Create(part);
        using var frame = new BinaryWriter(s);
        frame.Write(bytes.Length);
        frame.Write(bytes.GetBuffer(), 0, (int)bytes.Length);
    }

    /// <summary>Gives the plugin back exactly the bytes its Save wrote, and refuses to resume when its Restore reads fewer or tries to
    /// read more: a resumed run would then go on from state that is not the saved one, and diverge from an uninterrupted run unseen.</summary>
    private static void RestoreState(ICheckpointStore store, string part, IRestorable? state, Plugins.PluginEntry owner)
    {
        if (state is null) return;
        var name = $"{Plugins.PluginCatalog.Label(owner.Kind)} '{owner.Name}'";
        if (!store.Has(part)) throw new InvalidDataException($"{store.Name}: the checkpoint holds no state for {name}, which keeps some");
        byte[] bytes;
        using (var s = store.Open(part))
        using (var frame = new BinaryReader(s))
        {
            var length = frame.ReadInt64();
            if (length < 0 || length > s.Length - sizeof(long))
                throw new InvalidDataException($"{store.Name}/{part}: the saved state of {name} is damaged: it declares {length} bytes, the file holds {s.Length - sizeof(long)}");
            bytes = frame.ReadBytes((int)length);
        }
        using var data = new MemoryStream(bytes, writable: false);
        using var r = new BinaryReader(data);
        try
        {
            state.Restore(r);
        }
        catch (EndOfStreamException e)
        {
            throw Plugins.PluginCatalog.Broken(owner, "Restore", $"read past the {bytes.Length} bytes its Save wrote; Restore must read back exactly what Save writes, or a resumed run does not continue from the saved state ({e.Message})");
        }
        if (data.Position != bytes.Length)
            throw Plugins.PluginCatalog.Broken(owner, "Restore", $"read {data.Position} of the {bytes.Length} bytes its Save wrote; Restore must read back exactly what Save writes, or a resumed run does not continue from the saved state");
    }
}
