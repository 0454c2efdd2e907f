using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>Where DynaMS's refresh pass runs.</summary>
public enum DynamsProxy
{
    /// <summary>Through the full model.</summary>
    None,
    /// <summary>Through the parameter-sharing proxy trained jointly with the model (about w² of the cost).</summary>
    Psp,
}

/// <summary>Options of the <c>dynams</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class DynamsOptions : ScheduledPruningOptions
{
    /// <summary>Base interval Q0 between selection points, in epochs, at least 1. Default 2.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Q0 must be a whole number of epochs, at least 1.")]
    public int Q0 { get; set; } = 2;

    /// <summary>Growth g of the interval, Q_j = ceil(Q0·j^g), at least 0. Default 0 (a fixed interval).</summary>
    [Range(0.0, double.MaxValue, ErrorMessage = "Gamma must be at least 0.")]
    public double Gamma { get; set; }

    /// <summary>Run the refresh pass through the parameter-sharing proxy (<c>psp</c>, default) or the full model (<c>none</c>).</summary>
    public DynamsProxy Proxy { get; set; } = DynamsProxy.Psp;

    /// <summary>Width w of the proxy: the fraction of every layer's units it uses, in (0, 1]. Default 0.25.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "ProxyWidth must be greater than 0 and at most 1.")]
    public double ProxyWidth { get; set; } = 0.25;

    /// <summary>Weight lambda of the proxy's loss in the joint loss L(model) + lambda·L(proxy), in [0, 10]. Default 1.</summary>
    /// <remarks>Bounded because a weight far above 1 lets the proxy's gradients dominate the shared weights and the model stops
    /// learning its own task.</remarks>
    [Range(0.0, 10.0, ErrorMessage = "ProxyLossWeight must be between 0 and 10.")]
    public double ProxyLossWeight { get; set; } = 1.0;

    /// <summary>Take the hardest samples (the smallest margins) class by class, each class in proportion to its size, instead of over
    /// all samples at once. Default true (ours; false is the paper's global selection).</summary>
    /// <remarks>Our choice where the paper is silent: the global selection, on a model that has not learned much yet, takes whole
    /// classes and drops others, and the next selection swings back (the ablation in bench/README.md).</remarks>
    public bool ClassBalanced { get; set; } = true;

    /// <summary>Rank by the magnitude |s| of the refreshed values instead of s. With the margin: the distance to the decision
    /// boundary, so that a confidently misclassified sample (a large negative margin) counts as far from it, not as the hardest.
    /// Default true (ours; false ranks by the signed margin).</summary>
    /// <remarks>The paper speaks of samples "close to the boundary" and does not say whether a confidently misclassified sample
    /// is close; the signed reading collapses training on Fashion-MNIST (the ablation in bench/README.md), so the default is the
    /// distance. With a scorer that is never negative (loss) it changes nothing.</remarks>
    public bool ByMagnitude { get; set; } = true;

    /// <summary>The scorer plugin refreshed at selection points: any loaded one. The K hardest by it are kept: the smallest values
    /// when the scorer says lower is harder (margin), the largest when higher is harder (loss). Default margin (DynaMS).</summary>
    [Required(ErrorMessage = ScorerOption.Required)]
    public string Scorer { get; set; } = "margin";
}

/// <summary>Seed 2's DynaMS: at scheduled selection points, refresh every sample's logit margin and keep the K closest to the boundary,
/// class by class.
/// The option <c>Scorer</c> names the scorer plugin refreshed (default margin); with another scorer the K hardest by it are kept
/// (the largest values for a higher-is-harder scorer such as loss).</summary>
[WinnowPlugin(PluginKind.Policy, "dynams",
    "At selection points Warmup, then +ceil(Q0*j^Gamma) for j = 1, 2, ..., refresh Scorer's values for all N (default margin; through the PSP proxy when Proxy=psp) and keep the K hardest: the margins nearest 0 (ByMagnitude, default; the most negative without), each class in proportion to its size (ClassBalanced, default; one global top K without), unscored first, ties at random; reused in between.")]
public sealed class DynamsPolicyPlugin : PolicyPlugin<DynamsOptions>
{
    protected override ISelectionPolicy Create(DynamsOptions options, PolicyContext context)
    {
        PolicyArguments.Check(Name, options, context);
        if (options.ClassBalanced && context.Labels.Count != context.SampleCount)
            throw new ArgumentException($"{Name}: ClassBalanced needs each training sample's class label, and the run gave {context.Labels.Count} " +
                $"for {context.SampleCount} samples; set ClassBalanced to false for a global selection", nameof(context));
        return new DynamsPolicy(Name, options, context);
    }

    /// <summary>The selection points before <paramref name="epochs"/>: s0 = <paramref name="warmup"/>, s_j = s_{j−1} + Q_j,
    /// Q_j = ceil(Q0·j^gamma).</summary>
    /// <remarks>The ceiling forgives 1e-9 of rounding error, so that Q0·j^gamma that is a whole number on paper stays one.</remarks>
    public static IReadOnlyList<int> SelectionEpochs(int warmup, int q0, double gamma, int epochs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(q0);
        if (!(gamma >= 0)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be at least 0");
        var points = new List<int>();
        double s = warmup;
        for (var j = 1; s < epochs; j++)
        {
            points.Add((int)s);
            s += Math.Ceiling(q0 * Math.Pow(j, gamma) - 1e-9);
        }
        return points;
    }

    /// <summary>|s| for every value; unscored (NaN) values stay unscored.</summary>
    public static float[] Magnitudes(ReadOnlySpan<float> values)
    {
        var magnitudes = new float[values.Length];
        for (var i = 0; i < values.Length; i++) magnitudes[i] = Math.Abs(values[i]);
        return magnitudes;
    }

    private sealed class DynamsPolicy(string name, DynamsOptions o, PolicyContext run) : SelectingPolicy(name, o, run)
    {
        private readonly HashSet<int> _selectionEpochs = [.. SelectionEpochs(o.Warmup, o.Q0, o.Gamma, run.Epochs - o.Anneal)];
        private readonly IReadOnlyList<int> _labels = run.Labels;

        public override PolicyNeeds Needs { get; } = new(Scorer: o.Scorer,
            Proxy: o.Proxy == DynamsProxy.Psp ? new ProxyNeeds(o.ProxyWidth, o.ProxyLossWeight) : null);

        protected override bool SelectsAt(int epoch) => _selectionEpochs.Contains(epoch);

        protected override int[] Select(EpochContext context)
        {
            context.Refresh(null, throughProxy: o.Proxy == DynamsProxy.Psp);
            var scores = context.Scores;
            var values = o.ByMagnitude ? Magnitudes(scores.Latest) : scores.Latest;
            return o.ClassBalanced
                ? Hardness.HardestPerClass(values, scores.HigherIsHarder, _labels, K, context.Random)
                : Hardness.Hardest(values, scores.HigherIsHarder, K, context.Random);
        }
    }
}
