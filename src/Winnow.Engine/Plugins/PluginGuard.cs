namespace Winnow.Engine.Plugins;

/// <summary>Wraps a run's policy and scorer so that a throw from a member the engine calls outside its own checks
/// (<c>NominalKeepFraction</c>, <c>HigherIsHarder</c>, <c>NeedsFeatures</c>, <c>Save</c>, <c>Restore</c>) ends the run with a
/// <see cref="PluginError"/> naming the plugin and the call, instead of an unexplained crash.</summary>
/// <remarks><c>Plan</c> and <c>Score</c> pass straight through: the Trainer names their failures with the epoch. An
/// <see cref="InvalidDataException"/> or <see cref="EndOfStreamException"/> from <c>Restore</c> also passes through: that is the
/// contract's way to say a checkpoint does not fit, and the Trainer reports it with the checkpoint's path; so does an I/O error
/// from <c>Save</c>, which is the disk's and is reported as a checkpoint that could not be written.
/// A wrapper implements <see cref="IRestorable"/> exactly when the plugin's object does, so the engine saves the same state.</remarks>
public static class PluginGuard
{
    /// <summary>The policy, guarded; implements <see cref="IRestorable"/> exactly when <paramref name="policy"/> does.</summary>
    public static ISelectionPolicy Policy(ChosenPlugin plugin, ISelectionPolicy policy) =>
        policy is IRestorable ? new RestorablePolicy(plugin, policy) : new GuardedPolicy(plugin, policy);

    /// <summary>The scorer, guarded; implements <see cref="IRestorable"/> exactly when <paramref name="scorer"/> does.</summary>
    public static IScorer Scorer(ChosenPlugin plugin, IScorer scorer) =>
        scorer is IRestorable ? new RestorableScorer(plugin, scorer) : new GuardedScorer(plugin, scorer);

    private static T Call<T>(ChosenPlugin plugin, string call, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is not (PluginError or OperationCanceledException))
        {
            throw Failure(plugin, call, e);
        }
    }

    // An I/O error while saving is the disk's, not the plugin's: it passes through to the run's own "cannot save epoch" report.
    private static void Save(ChosenPlugin plugin, IRestorable state, BinaryWriter writer)
    {
        try
        {
            state.Save(writer);
        }
        catch (Exception e) when (e is not (PluginError or OperationCanceledException or IOException or UnauthorizedAccessException))
        {
            throw Failure(plugin, "Save", e);
        }
    }

    private static void Restore(ChosenPlugin plugin, IRestorable state, BinaryReader reader)
    {
        try
        {
            state.Restore(reader);
        }
        catch (Exception e) when (e is not (PluginError or OperationCanceledException or InvalidDataException or EndOfStreamException))
        {
            throw Failure(plugin, "Restore", e);
        }
    }

    private static PluginError Failure(ChosenPlugin plugin, string call, Exception e) => PluginCatalog.Failure(plugin.Entry, call, e);

    private class GuardedPolicy(ChosenPlugin plugin, ISelectionPolicy inner) : ISelectionPolicy
    {
        protected ChosenPlugin Plugin => plugin;
        protected ISelectionPolicy Inner => inner;
        public EpochPlan Plan(EpochContext context) => inner.Plan(context);
        public PolicyNeeds Needs => Call(plugin, "Needs", () => inner.Needs);
        public double NominalKeepFraction => Call(plugin, "NominalKeepFraction", () => inner.NominalKeepFraction);
        public override string ToString() => inner.ToString() ?? plugin.Name;
    }

    private sealed class RestorablePolicy(ChosenPlugin plugin, ISelectionPolicy inner) : GuardedPolicy(plugin, inner), IRestorable
    {
        public void Save(BinaryWriter writer) => PluginGuard.Save(Plugin, (IRestorable)Inner, writer);
        public void Restore(BinaryReader reader) => PluginGuard.Restore(Plugin, (IRestorable)Inner, reader);
    }

    private class GuardedScorer(ChosenPlugin plugin, IScorer inner) : IScorer
    {
        protected ChosenPlugin Plugin => plugin;
        protected IScorer Inner => inner;
        public TorchSharp.torch.Tensor Score(BatchOutcome outcome) => inner.Score(outcome);
        public bool HigherIsHarder => Call(plugin, "HigherIsHarder", () => inner.HigherIsHarder);
        public bool NeedsFeatures => Call(plugin, "NeedsFeatures", () => inner.NeedsFeatures);
        public override string ToString() => inner.ToString() ?? plugin.Name;
    }

    private sealed class RestorableScorer(ChosenPlugin plugin, IScorer inner) : GuardedScorer(plugin, inner), IRestorable
    {
        public void Save(BinaryWriter writer) => PluginGuard.Save(Plugin, (IRestorable)Inner, writer);
        public void Restore(BinaryReader reader) => PluginGuard.Restore(Plugin, (IRestorable)Inner, reader);
    }
}
