using Winnow.Engine.Plugins;
using Winnow.Engine.Sweeps;
using Winnow.Plugins.Datasets;

namespace Winnow.Tests.Sweeps;

/// <summary>The data a sweep keeps open between runs: shared only when everything the plugin is handed is equal.</summary>
[TestClass]
public sealed class DatasetCacheTests
{
    private static ChosenPlugin Synthetic(int trainSize)
    {
        var plugin = new SyntheticDatasetPlugin();
        var entry = new PluginEntry(PluginKind.Dataset, "synthetic", "", PluginContract.Version, "/plugins/Datasets.dll", typeof(SyntheticDatasetPlugin), () => plugin);
        return new ChosenPlugin(entry, plugin, new SyntheticOptions { TrainSize = trainSize, TestSize = 16 });
    }

    private static Dataset Open(DatasetCache cache, ChosenPlugin dataset, int seed)
    {
        var context = new DatasetContext("/work", seed);
        return cache.Open(dataset, context, () => ((IDatasetPlugin)dataset.Plugin).Open(dataset.Options, context));
    }

    [TestMethod]
    public void TheSameConfigurationSharesTheOpenedData()
    {
        using var cache = new DatasetCache();
        var first = Open(cache, Synthetic(64), seed: 1);
        var again = Open(cache, Synthetic(64), seed: 1);

        Assert.AreSame(first, again);
        Assert.AreEqual(1, cache.Opened);
        Assert.AreEqual(1, cache.Reused);
    }

    [TestMethod]
    public void AnotherSeedOrOptionOpensAfreshAndReleasesTheOld()
    {
        using var cache = new DatasetCache();
        var first = Open(cache, Synthetic(64), seed: 1);
        var otherSeed = Open(cache, Synthetic(64), seed: 2);

        Assert.AreNotSame(first, otherSeed, "synthetic data depends on the seed");
        Assert.IsTrue(first.Train.Inputs.IsInvalid, "only the latest dataset is kept: the previous one is disposed");
        var otherSize = Open(cache, Synthetic(32), seed: 2);
        Assert.AreEqual(32, otherSize.Train.Count);
        Assert.AreEqual(3, cache.Opened);
        Assert.AreEqual(0, cache.Reused);

        cache.Dispose();
        Assert.IsTrue(otherSize.Train.Inputs.IsInvalid, "the cache disposes what it holds");
    }
}
