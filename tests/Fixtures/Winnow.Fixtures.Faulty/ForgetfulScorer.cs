using static TorchSharp.torch;

namespace Winnow.Fixtures;

/// <summary>Scores by the loss and keeps a count of the batches it scored, which it saves but, in the faulty build, never reads back:
/// a Restore that reads nothing, so a resumed run would quietly start from other state than the saved one.</summary>
[WinnowPlugin(PluginKind.Scorer, "forgetful", "Test fixture: the loss, with a batch count it saves and (faulty build) never restores.")]
public sealed class ForgetfulScorerPlugin : ScorerPlugin<NoOptions>
{
    protected override IScorer Create(NoOptions options, ScorerContext context) => new ForgetfulScorer();

    private sealed class ForgetfulScorer : IScorer, IRestorable
    {
        private long _batches;

        public Tensor Score(BatchOutcome outcome)
        {
            _batches++;
            return outcome.Losses.alias();
        }

        public void Save(BinaryWriter writer) => writer.Write(_batches);

        public void Restore(BinaryReader reader)
        {
#if !FAULTY
            _batches = reader.ReadInt64();
#endif
        }
    }
}
