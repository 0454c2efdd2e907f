using System.Reflection;
using TorchSharp;
using Winnow.Plugins.Scorers;
using static TorchSharp.torch;

namespace Winnow.Tests.Scorers;

/// <summary>Every scorer the plugin assembly exports, found by its attribute the way the host finds it.</summary>
[TestClass]
public sealed class ScorerPluginCatalogTests
{
    private static List<(Type Type, WinnowPluginAttribute Export)> Exports() =>
        [.. typeof(LossScorerPlugin).Assembly.GetTypes()
            .Select(t => (Type: t, Export: t.GetCustomAttribute<WinnowPluginAttribute>()))
            .Where(e => e.Export is not null)
            .Select(e => (e.Type, e.Export!))];

    [TestMethod]
    public void EveryScorerHasAUniqueNameAndADescription()
    {
        var exports = Exports();

        CollectionAssert.AreEquivalent(new[] { "loss", "el2n", "grand", "margin", "entropy", "forgetting" }, exports.Select(e => e.Export.Name).ToArray());
        foreach (var (type, export) in exports)
        {
            Assert.AreEqual(PluginKind.Scorer, export.Kind, type.Name);
            Assert.IsTrue(typeof(IScorerPlugin).IsAssignableFrom(type), type.Name);
            Assert.IsFalse(string.IsNullOrWhiteSpace(export.Description), type.Name);
            Assert.DoesNotContain("\n", export.Description, type.Name);
            Assert.AreEqual(export.Name.ToLowerInvariant(), export.Name);
        }
    }

    [TestMethod]
    public void EveryScorerCreatesAScorerThatScoresABatch()
    {
        using var scope = torch.NewDisposeScope();
        foreach (var (type, export) in Exports())
        {
            var plugin = (IScorerPlugin)Activator.CreateInstance(type)!;
            var options = Activator.CreateInstance(plugin.OptionsType)!;

            var scorer = plugin.Create(options, new ScorerContext(10));

            Assert.IsNotNull(scorer, export.Name);
            var scores = scorer.Score(ScorerBatches.ThreeByThree());
            Assert.AreEqual(ScalarType.Float32, scores.dtype, export.Name);
            CollectionAssert.AreEqual(new long[] { 3 }, scores.shape, export.Name);
            Assert.AreEqual(DeviceType.CPU, scores.device_type, export.Name);
            Assert.IsTrue(scores.data<float>().ToArray().All(float.IsFinite), export.Name);
        }
    }
}
