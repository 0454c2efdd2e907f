using System.ComponentModel.DataAnnotations;
using System.Reflection;
using TorchSharp;
using Winnow.Plugins.Datasets;
using static TorchSharp.torch;

namespace Winnow.Tests.Datasets;

[TestClass]
public sealed class SyntheticDatasetTests
{
    private static Dataset Open(SyntheticOptions options, int seed = 42) =>
        ((IDatasetPlugin)new SyntheticDatasetPlugin()).Open(options, new DatasetContext("/", seed));

    [TestMethod]
    public void DefaultsGiveTheDocumentedShape()
    {
        using var data = Open(new SyntheticOptions());

        CollectionAssert.AreEqual(new long[] { 2048, 1, 8, 8 }, data.Train.Inputs.shape);
        CollectionAssert.AreEqual(new long[] { 512, 1, 8, 8 }, data.Test.Inputs.shape);
        Assert.AreEqual(ScalarType.Float32, data.Train.Inputs.dtype);
        Assert.AreEqual(ScalarType.Int64, data.Train.Labels.dtype);
        CollectionAssert.AreEqual(new[] { "class 0", "class 1", "class 2", "class 3" }, data.ClassNames.ToArray());
    }

    [TestMethod]
    public void CustomShapeAndClassCount()
    {
        using var data = Open(new SyntheticOptions { TrainSize = 30, TestSize = 7, Classes = 6, Channels = 3, Height = 5, Width = 2 });

        CollectionAssert.AreEqual(new long[] { 30, 3, 5, 2 }, data.Train.Inputs.shape);
        CollectionAssert.AreEqual(new long[] { 7, 3, 5, 2 }, data.Test.Inputs.shape);
        Assert.HasCount(6, data.ClassNames);
        Assert.AreEqual("class 5", data.ClassNames[5]);
    }

    [TestMethod]
    public void LabelsAreBalancedAndShuffled()
    {
        using var data = Open(new SyntheticOptions { TrainSize = 1000, TestSize = 10, Classes = 4 });

        CollectionAssert.AreEqual(new long[] { 250, 250, 250, 250 }, data.Train.Labels.bincount(null).data<long>().ToArray());
        // 10 samples over 4 classes: the first two classes get one more.
        CollectionAssert.AreEqual(new long[] { 3, 3, 2, 2 }, data.Test.Labels.bincount(null).data<long>().ToArray());
        var labels = data.Train.Labels.data<long>().ToArray();
        var unshuffled = Enumerable.Range(0, 1000).Count(i => labels[i] == i % 4);
        Assert.IsLessThan(400, unshuffled, "labels look unshuffled");
    }

    [TestMethod]
    public void SameSeedGivesIdenticalData()
    {
        var options = new SyntheticOptions { TrainSize = 300, TestSize = 100, Channels = 2 };
        using var a = Open(options, seed: 7);
        using var b = Open(options, seed: 7);

        Assert.IsTrue(Same(a.Train.Inputs, b.Train.Inputs));
        Assert.IsTrue(Same(a.Train.Labels, b.Train.Labels));
        Assert.IsTrue(Same(a.Test.Inputs, b.Test.Inputs));
        Assert.IsTrue(Same(a.Test.Labels, b.Test.Labels));
    }

    [TestMethod]
    public void DifferentSeedGivesDifferentData()
    {
        var options = new SyntheticOptions { TrainSize = 300, TestSize = 100 };
        using var a = Open(options, seed: 7);
        using var b = Open(options, seed: 8);
        using var c = Open(options, seed: -7);

        Assert.IsFalse(Same(a.Train.Inputs, b.Train.Inputs));
        Assert.IsFalse(Same(a.Train.Labels, b.Train.Labels));
        Assert.IsFalse(Same(a.Test.Inputs, b.Test.Inputs));
        Assert.IsFalse(Same(a.Train.Inputs, c.Train.Inputs));
    }

    [TestMethod]
    public void DoesNotDisturbTheGlobalGenerator()
    {
        // Model initialisation draws from the global generator the host seeds: opening the data must not shift it.
        torch.manual_seed(123);
        using var expected = torch.rand(5);
        torch.manual_seed(123);
        using (Open(new SyntheticOptions { TrainSize = 50, TestSize = 10 })) { }
        using var actual = torch.rand(5);

        Assert.IsTrue(Same(expected, actual));
    }

    [TestMethod]
    public void NoiseAndSeparationScaleTheData()
    {
        // Per element, a sample is N(0, Separation^2) + N(0, Noise^2): variance Separation^2 + Noise^2.
        using var data = Open(new SyntheticOptions { TrainSize = 4000, TestSize = 10, Classes = 50, Separation = 3, Noise = 0.5 });
        using var variance = data.Train.Inputs.var();

        Assert.AreEqual(9.25, variance.item<float>(), 1.0);
    }

    [TestMethod]
    public void ClustersAreLearnableByNearestClassMean()
    {
        using var data = Open(new SyntheticOptions());
        using var scope = torch.NewDisposeScope();

        var classes = data.ClassNames.Count;
        var trainX = data.Train.Inputs.flatten(1);
        var testX = data.Test.Inputs.flatten(1);
        var centroids = torch.stack(Enumerable.Range(0, classes)
            .Select(c => trainX.index_select(0, (data.Train.Labels == c).nonzero().squeeze(1)).mean([0])));
        var predicted = torch.cdist(testX, centroids).argmin(1);
        var accuracy = (predicted == data.Test.Labels).to_type(ScalarType.Float32).mean().item<float>();

        Assert.IsGreaterThan(0.9f, accuracy, $"nearest-class-mean accuracy {accuracy}");
    }

    [TestMethod]
    public void TestSplitComesFromTheTrainingClusters()
    {
        // With no noise every sample is exactly its class mean, so a test sample must equal a training sample of its class.
        using var data = Open(new SyntheticOptions { TrainSize = 40, TestSize = 8, Noise = 1e-30 });
        using var scope = torch.NewDisposeScope();

        var trainX = data.Train.Inputs.flatten(1);
        var testX = data.Test.Inputs.flatten(1);
        var trainLabels = data.Train.Labels.data<long>().ToArray();
        var testLabels = data.Test.Labels.data<long>().ToArray();
        for (var i = 0; i < testLabels.Length; i++)
        {
            var j = Array.IndexOf(trainLabels, testLabels[i]);
            Assert.IsTrue(testX[i].allclose(trainX[j], rtol: 0, atol: 1e-6), $"test sample {i} is not at its class's mean");
        }
    }

    [TestMethod]
    public void OptionsValidate()
    {
        Assert.IsTrue(IsValid(new SyntheticOptions()));
        Assert.IsFalse(IsValid(new SyntheticOptions { Classes = 1 }));
        Assert.IsFalse(IsValid(new SyntheticOptions { TrainSize = 0 }));
        Assert.IsFalse(IsValid(new SyntheticOptions { Noise = 0 }));
        Assert.IsFalse(IsValid(new SyntheticOptions { Separation = -1 }));
        Assert.IsFalse(IsValid(new SyntheticOptions { Height = 513 }));
        // Each size in range, but together 10^7 × 3 × 512 × 512 elements: refused by the cross-property rule.
        Assert.IsFalse(IsValid(new SyntheticOptions { TrainSize = 10_000_000, Channels = 3, Height = 512, Width = 512 }));
    }

    [TestMethod]
    public void PluginIsExportedAsSynthetic()
    {
        Assert.AreEqual("synthetic", typeof(SyntheticDatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Name);
        Assert.AreEqual(PluginKind.Dataset, typeof(SyntheticDatasetPlugin).GetCustomAttribute<WinnowPluginAttribute>()!.Kind);
        Assert.AreEqual(typeof(SyntheticOptions), new SyntheticDatasetPlugin().OptionsType);
    }

    /// <summary>Same shape and every element equal: bit-identical for data without NaN.</summary>
    private static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var equal = a.eq(b);
        using var all = equal.all();
        return all.item<bool>();
    }

    private static bool IsValid(object options) =>
        Validator.TryValidateObject(options, new ValidationContext(options), validationResults: null, validateAllProperties: true);
}
