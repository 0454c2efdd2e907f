using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Winnow.Engine.Training;
using Winnow.Plugins.Policies;
using static Winnow.Tests.Policies.PolicyTesting;

namespace Winnow.Tests.Policies;

/// <summary>What every pruning policy shares: warm-up and anneal, the selection interval, validated options, determinism, its export.</summary>
[TestClass]
public sealed class CommonPolicyTests
{
    private static FakeRefresh Refresher(ScoreBoard board) =>
        new(board, call => Enumerable.Range(0, board.Count).Select(i => (float)((i * (3 + 2 * call)) % 41)).ToArray());

    [TestMethod]
    [DataRow("random-dynamic")]
    [DataRow("random-dynamic-cover")]
    [DataRow("static-random")]
    [DataRow("static-score")]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    [DataRow("dynams")]
    public void WarmupAndAnnealEpochsAreFullDataWithoutWeights(string name)
    {
        const int n = 20, epochs = 7;
        var policy = Create(name, n, epochs, warmup: 2, anneal: 1);
        var board = new ScoreBoard(n);
        var refresh = Refresher(board);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var plan = Plan(policy, board, epoch, seed: 2, refresh);
            Assert.IsNull(plan.Weights);
            if (epoch is 0 or 1 or 6) CollectionAssert.AreEqual(Enumerable.Range(0, n).ToArray(), plan.Indices, $"epoch {epoch} is full data");
            else
            {
                AssertSortedDistinct(plan.Indices, n);
                Assert.HasCount(6, plan.Indices, $"epoch {epoch} keeps K = round(0.3*20)");
            }
        }
        Assert.IsTrue(refresh.EpochsCalled.All(e => e is >= 2 and < 6), "no refresh in a full-data epoch");
    }

    [TestMethod]
    [DataRow("random-dynamic")]
    [DataRow("random-dynamic-cover")]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    public void AnIntervalReusesTheSelectionUntilTheNextSelectionEpoch(string name)
    {
        const int n = 30, epochs = 10;
        // Interval 3 after a warm-up of 1: selections at epochs 1, 4, 7. The empty board makes every score-based choice a random tie-break.
        var policy = Create(name, n, epochs, warmup: 1, interval: 3);
        var board = new ScoreBoard(n);
        var plans = Enumerable.Range(0, epochs).Select(e => Plan(policy, board, e, seed: 6).Indices).ToArray();
        foreach (var (epoch, selected) in new[] { (2, 1), (3, 1), (5, 4), (6, 4), (8, 7), (9, 7) })
            CollectionAssert.AreEqual(plans[selected], plans[epoch], $"epoch {epoch} reuses the selection of epoch {selected}");
        CollectionAssert.AreNotEqual(plans[1], plans[4], "epoch 4 selects afresh");
        CollectionAssert.AreNotEqual(plans[4], plans[7], "epoch 7 selects afresh");
    }

    [TestMethod]
    [DataRow("random-dynamic", "KeepFraction", 0.0)]
    [DataRow("static-random", "KeepFraction", 0.0)]
    [DataRow("static-score", "KeepFraction", 1.5)]
    [DataRow("epsilon-greedy", "KeepFraction", 0.0)]
    [DataRow("ucb", "KeepFraction", -0.5)]
    [DataRow("dynams", "KeepFraction", 0.0)]
    [DataRow("infobatch", "KeepFraction", 0.0)]
    [DataRow("epsilon-greedy", "Epsilon", 1.5)]
    [DataRow("epsilon-greedy", "Epsilon", -0.1)]
    [DataRow("epsilon-greedy", "EmaRate", 0.0)]
    [DataRow("ucb", "EmaRate", 1.5)]
    [DataRow("ucb", "C", -1.0)]
    [DataRow("dynams", "Q0", 0)]
    [DataRow("dynams", "Gamma", -0.5)]
    [DataRow("dynams", "ProxyWidth", 0.0)]
    [DataRow("dynams", "ProxyWidth", 1.5)]
    [DataRow("dynams", "ProxyLossWeight", -1.0)]
    [DataRow("infobatch", "Delta", 0.0)]
    [DataRow("infobatch", "Delta", 1.5)]
    [DataRow("infobatch", "InitialScore", double.NaN)]
    [DataRow("random-dynamic", "Interval", 0)]
    [DataRow("random-dynamic", "Warmup", -1)]
    [DataRow("ucb", "Anneal", -1)]
    [DataRow("static-score", "ScoringEpochs", -1)]
    [DataRow("static-score", "Scorer", "")]
    public void AnOptionOutOfRangeIsRefusedNamingTheOption(string name, string option, object value)
    {
        var (plugin, options) = Pruning(name);
        var property = options.GetType().GetProperty(option)!;
        property.SetValue(options, Convert.ChangeType(value, property.PropertyType, CultureInfo.InvariantCulture));
        var results = new List<ValidationResult>();

        Assert.IsFalse(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));

        Assert.HasCount(1, results);
        StringAssert.StartsWith(results[0].ErrorMessage, option + " must");
        CollectionAssert.AreEqual(new[] { option }, results[0].MemberNames.ToArray());
        var e = Assert.ThrowsExactly<ValidationException>(() => plugin.Create(options, new PolicyContext(10, 5, 0)));
        StringAssert.Contains(e.Message, option);
    }

    [TestMethod]
    [DataRow("random-dynamic")]
    [DataRow("static-random")]
    [DataRow("static-score")]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    [DataRow("dynams")]
    public void WarmupPlusAnnealMustLeaveAPrunedEpoch(string name)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => Create(name, 10, epochs: 5, warmup: 3, anneal: 2));
        StringAssert.Contains(e.Message, "Warmup (3)");
        StringAssert.Contains(e.Message, "Anneal (2) must be less than the run's 5 epochs");
        StringAssert.Contains(e.Message, name);
        Assert.ThrowsExactly<ArgumentException>(() => Create(name, 10, epochs: 5, warmup: 5, anneal: 0));
        Assert.ThrowsExactly<ArgumentException>(() => Create(name, 10, epochs: 5, warmup: 0, anneal: 5));
        Assert.IsNotNull(Create(name, 10, epochs: 5, warmup: 3, anneal: 1), "one pruned epoch is enough");
    }

    [TestMethod]
    public void OptionsOfAnotherPolicyAreRefused()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => ((IPolicyPlugin)new UcbPolicyPlugin()).Create(new EpsilonGreedyOptions(), new PolicyContext(10, 5, 0)));
        StringAssert.Contains(e.Message, "ucb expects options of type UcbOptions, got EpsilonGreedyOptions");
    }

    [TestMethod]
    public void DefaultsAreTheDocumentedOnes()
    {
        var rd = new RandomDynamicOptions();
        Assert.AreEqual((0.5, 0, 0, 1, false), (rd.KeepFraction, rd.Warmup, rd.Anneal, rd.Interval, rd.Cover));
        var sr = new StaticRandomOptions();
        Assert.AreEqual((0.5, 0, 0), (sr.KeepFraction, sr.Warmup, sr.Anneal));
        var eg = new EpsilonGreedyOptions();
        Assert.AreEqual((0.5, 0.3, 0.8, 1), (eg.KeepFraction, eg.Epsilon, eg.EmaRate, eg.Interval));
        var ucb = new UcbOptions();
        Assert.AreEqual((0.5, 1.0, 0.8, 1), (ucb.KeepFraction, ucb.C, ucb.EmaRate, ucb.Interval));
        var d = new DynamsOptions();
        Assert.AreEqual((0.5, 2, 0.0, DynamsProxy.Psp, 0.25, 1.0, 0, 0), (d.KeepFraction, d.Q0, d.Gamma, d.Proxy, d.ProxyWidth, d.ProxyLossWeight, d.Warmup, d.Anneal));
        Assert.AreEqual((true, true), (d.ByMagnitude, d.ClassBalanced), "ours where the paper is silent: |margin|, class by class");
        Assert.IsNull(typeof(DynamsOptions).GetProperty("Interval"), "dynams follows its own schedule");
        var ib = new InfoBatchOptions();
        Assert.AreEqual((0.5, 0.875, 3.0), (ib.KeepFraction, ib.Delta, ib.InitialScore));
    }

    [TestMethod]
    [DataRow("random-dynamic")]
    [DataRow("random-dynamic-cover")]
    [DataRow("static-random")]
    [DataRow("static-score")]
    [DataRow("epsilon-greedy")]
    [DataRow("ucb")]
    [DataRow("dynams")]
    [DataRow("infobatch")]
    public void IdenticalSeedsAndBoardsGiveIdenticalPlans(string name)
    {
        const int n = 40, epochs = 9;
        var withAnneal = name != "infobatch";
        ISelectionPolicy Make() => Create(name, n, epochs, warmup: withAnneal ? 1 : 0, anneal: withAnneal ? 1 : 0, interval: 2);
        var (first, second) = (Make(), Make());
        var (boardA, boardB) = (new ScoreBoard(n), new ScoreBoard(n));
        var (refreshA, refreshB) = (Refresher(boardA), Refresher(boardB));
        var other = Make();
        var otherBoard = new ScoreBoard(n);
        var otherRefresh = Refresher(otherBoard);
        var differs = false;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var a = Plan(first, boardA, epoch, seed: 17, refreshA);
            var b = Plan(second, boardB, epoch, seed: 17, refreshB);
            CollectionAssert.AreEqual(a.Indices, b.Indices, $"epoch {epoch}");
            CollectionAssert.AreEqual(a.Weights, b.Weights, $"epoch {epoch}");
            differs |= !a.Indices.SequenceEqual(Plan(other, otherBoard, epoch, seed: 18, otherRefresh).Indices);
            // Train: the same losses for the same samples on both boards.
            var values = a.Indices.Select(i => (float)new Random(epoch * 1000 + i).NextDouble()).ToArray();
            var indices = a.Indices.Select(i => (long)i).ToArray();
            boardA.Observe(indices, values, epoch);
            boardB.Observe(indices, values, epoch);
            otherBoard.Observe(indices, values, epoch);
        }
        CollectionAssert.AreEqual(refreshA.Calls.Select(c => (c.Epoch, c.ThroughProxy)).ToArray(), refreshB.Calls.Select(c => (c.Epoch, c.ThroughProxy)).ToArray());
        // Score-based choices without ties depend on the board alone; the others draw from the epoch's generator.
        if (name is "static-score" or "ucb" or "dynams") Assert.IsFalse(differs, "distinct scores: the seed plays no part");
        else Assert.IsTrue(differs, "another seed gives another run");
    }

    [TestMethod]
    [DataRow(typeof(FullPolicyPlugin), "full", typeof(NoOptions))]
    [DataRow(typeof(RandomDynamicPolicyPlugin), "random-dynamic", typeof(RandomDynamicOptions))]
    [DataRow(typeof(StaticRandomPolicyPlugin), "static-random", typeof(StaticRandomOptions))]
    [DataRow(typeof(StaticScorePolicyPlugin), "static-score", typeof(StaticScoreOptions))]
    [DataRow(typeof(EpsilonGreedyPolicyPlugin), "epsilon-greedy", typeof(EpsilonGreedyOptions))]
    [DataRow(typeof(UcbPolicyPlugin), "ucb", typeof(UcbOptions))]
    [DataRow(typeof(DynamsPolicyPlugin), "dynams", typeof(DynamsOptions))]
    [DataRow(typeof(InfoBatchPolicyPlugin), "infobatch", typeof(InfoBatchOptions))]
    public void EachPolicyIsExportedUnderItsName(Type type, string name, Type optionsType)
    {
        var export = type.GetCustomAttribute<WinnowPluginAttribute>()!;
        Assert.AreEqual(PluginKind.Policy, export.Kind);
        Assert.AreEqual(name, export.Name);
        Assert.IsFalse(string.IsNullOrWhiteSpace(export.Description));
        var plugin = (IPolicyPlugin)Activator.CreateInstance(type)!;
        Assert.AreEqual(optionsType, plugin.OptionsType);
        var policy = plugin.Create(Activator.CreateInstance(optionsType)!, PolicyTesting.Context(10, 5));
        Assert.AreEqual(name == "full" ? 1.0 : 0.5, policy.NominalKeepFraction);
    }
}
