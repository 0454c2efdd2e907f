using TorchSharp;
using Winnow.Engine.Core;

namespace Winnow.Engine.Training;

// Everything a resumed run needs to continue exactly: model, optimiser, score board, the policy's and scorer's own state, and the
// global generator (dropout). Every other random choice derives from (seed, epoch).
public sealed partial class Trainer
{
    private const int StateVersion = 1;
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
            if (version != StateVersion) throw new InvalidDataException($"{store.Name}: checkpoint format {version}, expected {StateVersion}");
            CompletedEpochs = r.ReadInt32();
            Scores.Restore(r);
        }
        RestoreState(store, PolicyPart, _run.Policy as IRestorable, $"policy '{_run.PolicyName}'");
        RestoreState(store, ScorerPart, _run.Scorer as IRestorable, $"scorer '{_run.ScorerName}'");
        using (var s = store.Open(RandomPart))
        using (var copy = new MemoryStream())
        {
            s.CopyTo(copy);
            using var rng = torch.tensor(copy.ToArray());
            torch.set_rng_state(rng);
        }
    }

    private static void SaveState(ICheckpointStore store, string part, IRestorable? state)
    {
        if (state is null) return;
        using var s = store.Create(part);
        using var w = new BinaryWriter(s);
        state.Save(w);
    }

    private static void RestoreState(ICheckpointStore store, string part, IRestorable? state, string owner)
    {
        if (state is null) return;
        if (!store.Has(part)) throw new InvalidDataException($"{store.Name}: the checkpoint holds no state for {owner}, which keeps some");
        using var r = new BinaryReader(store.Open(part));
        try
        {
            state.Restore(r);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{store.Name}/{part}: the saved state of {owner} is truncated", e);
        }
    }
}
