using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Runs;
using Winnow.Engine.Training;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Training;

[TestClass]
public sealed class MemoryTests
{
    /// <summary>Counts live tensors at the end of every epoch.</summary>
    private sealed class LiveTensors : IRunObserver
    {
        public List<long> AfterEpoch { get; } = [];

        public void EpochCompleted(EpochEnd end) =>
            AfterEpoch.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [TestMethod]
    [DataRow("dynams", "cnn")]
    [DataRow("infobatch", "mlp")]
    public void LiveTensorsStayFlatAcrossEpochs(string policy, string model)
    {
        using var work = new TempFolder();
        var file = HostProcess.WriteConfig(work.Path, model: model, policy: policy, policyOptions: """{ "KeepFraction": 0.5 }""", epochs: 6,
            datasetOptions: """{ "TrainSize": 300, "TestSize": 60 }""");
        var (settings, raw) = SettingsLoader.Load(file, []);
        using var catalog = PluginCatalog.Load(TestPaths.PluginsDirectory);
        var observer = new LiveTensors();

        RunExecutor.Start(new RunContext(settings, SavedSettings.From(raw, work.Path), catalog, observer, TextWriter.Null, TextWriter.Null));

        Assert.HasCount(6, observer.AfterEpoch);
        Assert.AreEqual(observer.AfterEpoch[1], observer.AfterEpoch[4], $"live tensors after each epoch: {string.Join(", ", observer.AfterEpoch)}");
        Assert.AreEqual(observer.AfterEpoch[1], observer.AfterEpoch[5], $"live tensors after each epoch: {string.Join(", ", observer.AfterEpoch)}");
    }
}
