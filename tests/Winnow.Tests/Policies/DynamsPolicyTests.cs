using Winnow.Engine.Training;
using Winnow.Plugins.Policies;
using static Winnow.Tests.Policies.PolicyTesting;

namespace Winnow.Tests.Policies;

/// <summary>Seed 2's DynaMS: the schedule, the refresh at selection points, the K smallest margins.</summary>
[TestClass]
public sealed class DynamsPolicyTests
{
    private static ISelectionPolicy Dynams(int n, int epochs, double keep = 0.3, int q0 = 2, double gamma = 0,
        DynamsProxy proxy = DynamsProxy.Psp, int warmup = 0, int anneal = 0) =>
        // The paper's reading (signed margin, global selection): the schedule and the refresh do not depend on it.
        ((IPolicyPlugin)new DynamsPolicyPlugin()).Create(new DynamsOptions { KeepFraction = keep, Q0 = q0, Gamma = gamma, Proxy = proxy, Warmup = warmup, Anneal = anneal,
            ByMagnitude = false, ClassBalanced = false }, new PolicyContext(n, epochs, 0));

    [TestMethod]
    [DataRow(0, 2, 0.0, 10, new[] { 0, 2, 4, 6, 8 })]
    [DataRow(3, 2, 0.0, 10, new[] { 3, 5, 7, 9 })]
    [DataRow(0, 1, 0.0, 4, new[] { 0, 1, 2, 3 })]
    [DataRow(0, 2, 1.0, 30, new[] { 0, 2, 6, 12, 20 })]        // Q_j = 2j
    [DataRow(0, 2, 1.0, 20, new[] { 0, 2, 6, 12 })]            // 20 is past the end
    [DataRow(0, 2, 0.5, 20, new[] { 0, 2, 5, 9, 13, 18 })]     // Q_j = ceil(2*sqrt(j)) = 2, 3, 4, 4, 5
    [DataRow(1, 3, 2.0, 50, new[] { 1, 4, 16, 43 })]           // Q_j = 3j^2 = 3, 12, 27
    [DataRow(5, 2, 0.0, 5, new int[0])]
    public void SelectionEpochsFollowTheSchedule(int warmup, int q0, double gamma, int epochs, int[] expected) =>
        CollectionAssert.AreEqual(expected, DynamsPolicyPlugin.SelectionEpochs(warmup, q0, gamma, epochs).ToArray());

    [TestMethod]
    public void TakesExactlyTheKSmallestFreshMargins()
    {
        const int n = 20;
        // The stale board ranks the other way round: a policy that forgot to refresh would take samples 0..5.
        var board = Board(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), higherIsHarder: false);
        var fresh = Enumerable.Range(0, n).Select(i => (float)((i * 7 % n) - 5)).ToArray();   // margins -5..14, scrambled
        var refresh = new FakeRefresh(board, _ => fresh);

        var plan = Plan(Dynams(n, 10), board, epoch: 0, refresh: refresh);

        var expected = Enumerable.Range(0, n).OrderBy(i => fresh[i]).Take(6).Order().ToArray();   // K = round(0.3*20) = 6
        CollectionAssert.AreEqual(expected, plan.Indices);
        CollectionAssert.AreEquivalent(new[] { -5f, -4f, -3f, -2f, -1f, 0f }, plan.Indices.Select(i => fresh[i]).ToArray());
        Assert.IsNull(plan.Weights);
    }

    [TestMethod]
    [DataRow(0.0, 12, new[] { 0, 2, 4, 6, 8, 10 })]
    [DataRow(1.0, 25, new[] { 0, 2, 6, 12, 20 })]
    public void RefreshesOnlyAtSelectionPointsAndReusesTheSelectionBetween(double gamma, int epochs, int[] points)
    {
        const int n = 30;
        var board = new ScoreBoard(n, higherIsHarder: false);
        // Each refresh writes a different scrambled ranking, so each selection differs from the last.
        var refresh = new FakeRefresh(board, call => Enumerable.Range(0, n).Select(i => (float)((i * (7 + 4 * call)) % 31)).ToArray());
        var policy = Dynams(n, epochs, q0: 2, gamma: gamma);
        int[]? current = null;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var calls = refresh.Calls.Count;
            var plan = Plan(policy, board, epoch, seed: 4, refresh);
            if (points.Contains(epoch))
            {
                Assert.AreEqual(calls + 1, refresh.Calls.Count, $"a refresh at selection point {epoch}");
                CollectionAssert.AreEqual(Selection.Smallest(board.Latest, 9), plan.Indices, $"the 9 smallest margins at epoch {epoch}");
                if (current is not null) CollectionAssert.AreNotEqual(current, plan.Indices, $"a new selection at {epoch}");
                current = plan.Indices;
            }
            else
            {
                Assert.AreEqual(calls, refresh.Calls.Count, $"no refresh at epoch {epoch}");
                // Training would change the board between selection points; the selection stays.
                Observe(board, Enumerable.Range(0, n).Select(i => (float)-i).ToArray(), epoch);
                CollectionAssert.AreEqual(current, plan.Indices, $"epoch {epoch} reuses the last selection");
            }
        }
        CollectionAssert.AreEqual(points, refresh.EpochsCalled);
        Assert.IsTrue(refresh.Calls.All(c => c.Indices is null && c.ThroughProxy), "every refresh is over all N through the proxy");
    }

    [TestMethod]
    public void WithoutTheProxyTheRefreshRunsThroughTheModelAndWarmupAndAnnealAreFullData()
    {
        const int n = 10;
        var board = new ScoreBoard(n, higherIsHarder: false);
        var refresh = new FakeRefresh(board, _ => Scrambled(n));
        var policy = Dynams(n, epochs: 10, q0: 3, proxy: DynamsProxy.None, warmup: 1, anneal: 2);
        for (var epoch = 0; epoch < 10; epoch++)
        {
            var plan = Plan(policy, board, epoch, refresh: refresh);
            if (epoch is 0 or 8 or 9) CollectionAssert.AreEqual(Enumerable.Range(0, n).ToArray(), plan.Indices, $"epoch {epoch} is full data");
            else Assert.HasCount(3, plan.Indices);
        }
        CollectionAssert.AreEqual(new[] { 1, 4, 7 }, refresh.EpochsCalled);
        Assert.IsTrue(refresh.Calls.All(c => c.Indices is null && !c.ThroughProxy));
    }

    [TestMethod]
    public void ClassBalancedTakesEachClasssSmallestMarginsInProportion()
    {
        // 12 samples: class 0 has 6 (0..5), class 1 has 4 (6..9), class 2 has 2 (10, 11). Class 0's margins are all the smallest.
        const int n = 12;
        int[] labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
        float[] fresh = [-6f, -5f, -4f, -3f, -2f, -1f, 3f, 1f, 4f, 2f, 6f, 5f];
        var board = new ScoreBoard(n, higherIsHarder: false);
        var refresh = new FakeRefresh(board, _ => fresh);
        ISelectionPolicy Make(bool balanced) => ((IPolicyPlugin)new DynamsPolicyPlugin()).Create(new DynamsOptions { KeepFraction = 0.5, ByMagnitude = false, ClassBalanced = balanced },
            new PolicyContext(n, 4, 0) { Labels = labels });

        // K = 6: shares 3, 2, 1 -> class 0's three smallest (0, 1, 2), class 1's two (7, 9), class 2's one (11).
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 7, 9, 11 }, Plan(Make(true), board, epoch: 0, refresh: refresh).Indices);
        // The global selection takes class 0 only.
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 5 }, Plan(Make(false), board, epoch: 0, refresh: refresh).Indices);
    }

    [TestMethod]
    public void ByMagnitudeTakesTheSamplesNearestTheBoundaryOnEitherSide()
    {
        // Margins of 8 samples: confidently wrong (-9, -7), near the boundary (-1, 0.5, -0.25, 2), confidently right (6, 8).
        const int n = 8;
        float[] fresh = [-9f, -7f, -1f, 0.5f, -0.25f, 2f, 6f, 8f];
        var board = new ScoreBoard(n, higherIsHarder: false);
        var refresh = new FakeRefresh(board, _ => fresh);
        ISelectionPolicy Make(bool magnitude) => ((IPolicyPlugin)new DynamsPolicyPlugin()).Create(
            new DynamsOptions { KeepFraction = 0.5, ByMagnitude = magnitude, ClassBalanced = false }, new PolicyContext(n, 4, 0));

        // K = 4. |m| = 9, 7, 1, 0.5, 0.25, 2, 6, 8: the four smallest are samples 2, 3, 4, 5.
        CollectionAssert.AreEqual(new[] { 2, 3, 4, 5 }, Plan(Make(true), board, epoch: 0, refresh: refresh).Indices);
        // The signed margin takes the confidently wrong ones first: -9, -7, -1, -0.25.
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 4 }, Plan(Make(false), board, epoch: 0, refresh: refresh).Indices);
    }

    [TestMethod]
    public void TheDefaultsTakeEachClasssSamplesNearestTheBoundary()
    {
        // Two classes of 5. Class 0 (0..4): margins -8, -0.5, 3, 0.25, 6; class 1 (5..9): -1, 9, -7, 2, 0.75. K = round(0.4·10) = 4,
        // two per class. |m| in class 0: 8, 0.5, 3, 0.25, 6 -> samples 3 and 1; in class 1: 1, 9, 7, 2, 0.75 -> samples 9 and 5.
        float[] fresh = [-8f, -0.5f, 3f, 0.25f, 6f, -1f, 9f, -7f, 2f, 0.75f];
        int[] labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        var board = new ScoreBoard(10, higherIsHarder: false);
        var policy = ((IPolicyPlugin)new DynamsPolicyPlugin()).Create(new DynamsOptions { KeepFraction = 0.4 }, new PolicyContext(10, 4, 0) { Labels = labels });

        CollectionAssert.AreEqual(new[] { 1, 3, 5, 9 }, Plan(policy, board, epoch: 0, refresh: new FakeRefresh(board, _ => fresh)).Indices);
        // The paper's reading would take the four most negative margins: -8, -7, -1, -0.5, that is 0, 1, 5, 7.
    }

    [TestMethod]
    public void ClassBalancedWithoutLabelsIsRefusedByName()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            ((IPolicyPlugin)new DynamsPolicyPlugin()).Create(new DynamsOptions(), new PolicyContext(10, 5, 0)));
        StringAssert.Contains(e.Message, "dynams: ClassBalanced needs each training sample's class label");
        Assert.IsNotNull(((IPolicyPlugin)new DynamsPolicyPlugin()).Create(new DynamsOptions { ClassBalanced = false }, new PolicyContext(10, 5, 0)));
    }

    [TestMethod]
    public void MagnitudesKeepUnscoredSamplesUnscored() =>
        CollectionAssert.AreEqual(new[] { 2f, float.NaN, 0f, 3f }, DynamsPolicyPlugin.Magnitudes([-2f, float.NaN, 0f, 3f]));

    [TestMethod]
    public void NeedsMarginAndTheProxyOnlyForPsp()
    {
        Assert.AreEqual(new PolicyNeeds("margin", 0.8, new ProxyNeeds(0.25, 1.0)), Dynams(10, 5).Needs);
        var custom = ((IPolicyPlugin)new DynamsPolicyPlugin()).Create(new DynamsOptions { ProxyWidth = 0.5, ProxyLossWeight = 2 }, Context(10, 5));
        Assert.AreEqual(new PolicyNeeds("margin", 0.8, new ProxyNeeds(0.5, 2.0)), custom.Needs);
        Assert.AreEqual(new PolicyNeeds("margin", 0.8, null), Dynams(10, 5, proxy: DynamsProxy.None).Needs);
        Assert.AreEqual(0.3, Dynams(10, 5).NominalKeepFraction);
    }
}
