using Winnow.Engine.Plugins;

namespace Winnow.Tests.ThirdParty;

/// <summary>The members of a policy or scorer the engine calls outside its own checks: a throw from any of them names the plugin and the call.</summary>
[TestClass]
public sealed class PluginGuardTests
{
    private static ChosenPlugin Chosen(PluginKind kind, string name) =>
        new(new PluginEntry(kind, name, "test", PluginContract.Version, "/plugins/Third/Third.dll", typeof(PluginGuardTests), () => null!), null!, new NoOptions());

    [TestMethod]
    public void APolicyThatThrowsIsNamedWithTheCall()
    {
        var guarded = PluginGuard.Policy(Chosen(PluginKind.Policy, "third"), new ThrowingPolicy());

        Assert.IsInstanceOfType<IRestorable>(guarded, "the engine still saves the policy's state");
        StringAssert.Contains(Assert.ThrowsExactly<PluginError>(() => _ = guarded.NominalKeepFraction).Message,
            "policy plugin 'third' (/plugins/Third/Third.dll) failed in NominalKeepFraction: ArithmeticException: keep");
        StringAssert.Contains(Assert.ThrowsExactly<PluginError>(() => _ = guarded.Needs).Message, "failed in Needs: InvalidOperationException: needs");
        StringAssert.Contains(Assert.ThrowsExactly<PluginError>(() => ((IRestorable)guarded).Save(new BinaryWriter(Stream.Null))).Message,
            "failed in Save: KeyNotFoundException: save");
        StringAssert.Contains(Assert.ThrowsExactly<PluginError>(() => ((IRestorable)guarded).Restore(new BinaryReader(new MemoryStream([1])))).Message,
            "failed in Restore: FormatException: restore");
        // Plan passes through: the Trainer names it with the epoch.
        Assert.ThrowsExactly<NotImplementedException>(() => guarded.Plan(new EpochContext(0, new Engine.Training.ScoreBoard(1), new Random(0))));
    }

    [TestMethod]
    public void WhatTheContractSaysARestoreMayThrowAndDiskErrorsPassThrough()
    {
        var guarded = (IRestorable)PluginGuard.Policy(Chosen(PluginKind.Policy, "third"), new RestoreRefusingPolicy());

        Assert.ThrowsExactly<InvalidDataException>(() => guarded.Restore(new BinaryReader(Stream.Null)), "another run's state: reported with the checkpoint's path");
        Assert.ThrowsExactly<IOException>(() => guarded.Save(new BinaryWriter(Stream.Null)), "a full disk is not the plugin's fault");
    }

    [TestMethod]
    public void AStatelessPolicyStaysStatelessAndAScorerIsGuardedToo()
    {
        Assert.IsNotInstanceOfType<IRestorable>(PluginGuard.Policy(Chosen(PluginKind.Policy, "plain"), new PlainPolicy()));
        var scorer = PluginGuard.Scorer(Chosen(PluginKind.Scorer, "odd"), new ThrowingScorer());

        Assert.IsNotInstanceOfType<IRestorable>(scorer);
        StringAssert.Contains(Assert.ThrowsExactly<PluginError>(() => _ = scorer.HigherIsHarder).Message, "scorer plugin 'odd' (/plugins/Third/Third.dll) failed in HigherIsHarder");
        StringAssert.Contains(Assert.ThrowsExactly<PluginError>(() => _ = scorer.NeedsFeatures).Message, "scorer plugin 'odd' (/plugins/Third/Third.dll) failed in NeedsFeatures");
    }

    private sealed class ThrowingPolicy : ISelectionPolicy, IRestorable
    {
        public EpochPlan Plan(EpochContext context) => throw new NotImplementedException();
        public PolicyNeeds Needs => throw new InvalidOperationException("needs");
        public double NominalKeepFraction => throw new ArithmeticException("keep");
        public void Save(BinaryWriter writer) => throw new KeyNotFoundException("save");
        public void Restore(BinaryReader reader) => throw new FormatException("restore");
    }

    private sealed class RestoreRefusingPolicy : ISelectionPolicy, IRestorable
    {
        public EpochPlan Plan(EpochContext context) => new([0]);
        public void Save(BinaryWriter writer) => throw new IOException("no space left on device");
        public void Restore(BinaryReader reader) => throw new InvalidDataException("another run's state");
    }

    private sealed class PlainPolicy : ISelectionPolicy
    {
        public EpochPlan Plan(EpochContext context) => new([0]);
    }

    private sealed class ThrowingScorer : IScorer
    {
        public TorchSharp.torch.Tensor Score(BatchOutcome outcome) => throw new NotImplementedException();
        public bool HigherIsHarder => throw new InvalidOperationException("which way");
        public bool NeedsFeatures => throw new InvalidOperationException("features");
    }
}
