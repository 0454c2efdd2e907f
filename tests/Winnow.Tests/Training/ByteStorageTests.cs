using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Training;
using Winnow.Plugins.Datasets;
using Winnow.Plugins.Models;
using Winnow.Plugins.Policies;
using Winnow.Plugins.Scorers;
using Winnow.Tests.Datasets;
using static TorchSharp.torch;

namespace Winnow.Tests.Training;

/// <summary>Images kept as bytes until the batch: a quarter of the memory, and the very same training as float32 storage.</summary>
[TestClass]
public sealed class ByteStorageTests
{
    private sealed class Recorder : IRunObserver
    {
        public List<EpochMetrics> Epochs { get; } = [];

        public void BatchSkipped(int epoch, int step, int steps, string reason) { }

        public void EpochCompleted(EpochEnd end) => Epochs.Add(end.Metrics);
    }

    private static ChosenPlugin Chosen(PluginKind kind, string name, IPlugin plugin, object options) =>
        new(new PluginEntry(kind, name, name, PluginContract.Version, "(in-process)", plugin.GetType(), () => plugin), plugin, options);

    // Fashion-MNIST-format files of 12×12 images whose pixels span the byte range, labels 0..9 in turn.
    private static Dataset OpenBytes(string folder)
    {
        IdxFiles.Write(Path.Combine(folder, "train-images-idx3-ubyte"), IdxFiles.Images(120, 12, 12, IdxFiles.Pattern(120, 144)));
        IdxFiles.Write(Path.Combine(folder, "train-labels-idx1-ubyte"), IdxFiles.Labels([.. Enumerable.Range(0, 120).Select(n => (byte)(n * 7 % 10))]));
        IdxFiles.Write(Path.Combine(folder, "t10k-images-idx3-ubyte"), IdxFiles.Images(40, 12, 12, IdxFiles.Pattern(40, 144, salt: 3)));
        IdxFiles.Write(Path.Combine(folder, "t10k-labels-idx1-ubyte"), IdxFiles.Labels([.. Enumerable.Range(0, 40).Select(n => (byte)(n % 10))]));
        return ((IDatasetPlugin)new FashionMnistDatasetPlugin()).Open(new FashionMnistOptions { Path = folder }, new DatasetContext(folder, 1));
    }

    // The same samples stored as float32, normalised once up front, as every reader did before.
    private static Dataset AsFloat(Dataset bytes) =>
        new(new LabeledData(bytes.Train.ModelInputs().contiguous(), bytes.Train.Labels.clone()),
            new LabeledData(bytes.Test.ModelInputs().contiguous(), bytes.Test.Labels.clone()), bytes.ClassNames) { Augmentation = bytes.Augmentation };

    // cnn and DynaMS with its proxy, so that training batches, refresh passes and evaluation all read the stored inputs.
    private static List<EpochMetrics> Train(Dataset data)
    {
        var settings = new RunSettings { Epochs = 3, BatchSize = 16, EvalBatchSize = 32, LearningRate = 0.05, Seed = 5, Threads = 1 };
        torch.manual_seed(settings.Seed);
        var modelOptions = new CnnOptions();
        var network = ((IModelPlugin)new CnnPlugin()).Create(modelOptions, new ModelSpec(data.SampleShape, data.ClassNames.Count));
        IScorerPlugin scorer = new MarginScorerPlugin();
        IPolicyPlugin policy = new DynamsPolicyPlugin();
        var policyOptions = new DynamsOptions { KeepFraction = 0.5, Q0 = 1 };
        var labels = data.Train.Labels.data<long>().Select(l => (int)l).ToArray();
        var policyInstance = policy.Create(policyOptions, new PolicyContext(data.Train.Count, settings.Epochs, settings.Seed) { Labels = labels });
        var needs = policyInstance.Needs;
        var proxy = ((IProxyModel)network).EnableProxy(needs.Proxy!.Width);
        using var run = new ComposedRun(
            Chosen(PluginKind.Model, "cnn", new CnnPlugin(), modelOptions),
            Chosen(PluginKind.Dataset, "fashion-mnist", new FashionMnistDatasetPlugin(), new FashionMnistOptions()),
            Chosen(PluginKind.Scorer, "margin", scorer, new NoOptions()),
            Chosen(PluginKind.Policy, "dynams", policy, policyOptions),
            network, data, scorer.Create(new NoOptions(), new ScorerContext(data.Train.Count)),
            policyInstance, needs, proxyEnabled: proxy, notes: [], ownsData: false);
        using var trainer = new Trainer(settings, run, CPU);
        var recorder = new Recorder();
        trainer.Train(recorder);
        Assert.IsTrue(proxy, "the cnn offers DynaMS's proxy");
        Assert.IsTrue(recorder.Epochs.Sum(e => e.ProxyForwarded) > 0, "refresh passes ran through the proxy");
        return recorder.Epochs;
    }

    [TestMethod]
    public void BytesTrainBitForBitLikeFloat32AndHoldAQuarterOfTheMemory()
    {
        var folder = Directory.CreateTempSubdirectory("winnow-bytes-").FullName;
        try
        {
            using var bytes = OpenBytes(folder);
            using var floats = AsFloat(bytes);
            Assert.AreEqual(ScalarType.Byte, bytes.Train.Inputs.dtype);
            Assert.AreEqual(ScalarType.Float32, floats.Train.Inputs.dtype);
            static long InputBytes(Dataset d) => d.Bytes - (d.Train.Count + d.Test.Count) * sizeof(long);
            Assert.AreEqual((120 + 40) * 144L, InputBytes(bytes), "one byte per pixel");
            Assert.AreEqual(4 * InputBytes(bytes), InputBytes(floats), "float32 storage takes four");

            var a = Train(bytes);
            var b = Train(floats);

            Assert.HasCount(3, a);
            for (var e = 0; e < a.Count; e++)
            {
                Assert.AreEqual(b[e].TrainLoss, a[e].TrainLoss, 0.0, $"epoch {e + 1}: the train loss is bit-identical");
                Assert.AreEqual(b[e].TestLoss, a[e].TestLoss, $"epoch {e + 1}: the test loss is bit-identical");
                Assert.AreEqual(b[e].TestAccuracy, a[e].TestAccuracy, $"epoch {e + 1}");
                Assert.AreEqual(b[e].SamplesTrained, a[e].SamplesTrained);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void NormalisationIsAppliedPerChannelInTheDocumentedOrder()
    {
        using var bytes = tensor(new byte[] { 0, 255, 51, 102 }).view(1, 2, 2, 1);
        var n = new Normalization([0.5f, 0.2f], [0.25f, 0.4f]);
        using var x = Normalization.Apply(bytes, n.On(CPU, 4));
        // Channel 0: (0/255 − 0.5)/0.25 = −2, (1 − 0.5)/0.25 = 2; channel 1: (0.2 − 0.2)/0.4 = 0, (0.4 − 0.2)/0.4 = 0.5.
        var values = x.data<float>().ToArray();
        CollectionAssert.AreEqual(new[] { -2f, 2f, 0f, 0.5f }, values.Select(v => MathF.Round(v, 5)).ToArray());
        Assert.AreEqual(ScalarType.Float32, x.dtype);
    }

    [TestMethod]
    public void BadStorageIsRefusedNamingWhatIsWrong()
    {
        var labels = zeros(2, dtype: ScalarType.Int64);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new LabeledData(zeros(2, 1, 2, 2, dtype: ScalarType.Byte), labels)).Message,
            "inputs must be float32, or uint8 with a Normalization; got Byte without one");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new LabeledData(zeros(2, 1, 2, 2), labels, new Normalization([0f], [1f]))).Message,
            "a Normalization is for uint8 inputs; got Float32");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new LabeledData(zeros(2, 3, 2, 2, dtype: ScalarType.Byte), labels, new Normalization([0f], [1f]))).Message,
            "the Normalization has 1 channels, the inputs 3");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Normalization([0f, 1f], [1f])).Message, "got 2 means and 1 deviations");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Normalization([0f], [0f])).Message, "greater than 0");
        Assert.AreEqual(new Normalization([0.1f], [0.2f]), new Normalization([0.1f], [0.2f]), "equal by value");
    }
}
