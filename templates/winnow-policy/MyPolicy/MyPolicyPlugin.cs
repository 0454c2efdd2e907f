using System.ComponentModel.DataAnnotations;
using Winnow;

namespace MyPolicy;

/// <summary>Options of the <c>my-policy</c> policy (config section <c>Run:Policy:Options</c>).</summary>
/// <remarks>Each property is a key the host binds, validates with its DataAnnotations and lists with its default, range and
/// the first line of this documentation (<c>winnow plugins</c>). Override one from the command line with
/// <c>--Run:Policy:Options:KeepFraction=0.3</c>.</remarks>
public sealed class MyPolicyOptions
{
    /// <summary>Fraction of the training set each epoch trains on, in (0, 1]: K = round(KeepFraction·N), at least 1.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "KeepFraction must be greater than 0 and at most 1.")]
    public double KeepFraction { get; set; } = 0.5;

    /// <summary>Added to every sample's mean loss before sampling, so that easy samples keep a chance; at least 0.</summary>
    [Range(0.0, double.MaxValue, ErrorMessage = "Floor must be at least 0.")]
    public double Floor { get; set; } = 0.1;
}

/// <summary>Exports the policy: the host finds this class by its attribute and creates one policy per run.</summary>
/// <remarks>The attribute is the one place the policy's name is written: the base class reads it back as <c>Name</c>. The base
/// also casts the host's options to <see cref="MyPolicyOptions"/> and checks their DataAnnotations before
/// <c>Create</c> sees them.</remarks>
[WinnowPlugin(PluginKind.Policy, "my-policy", "Loss-proportional sampling: K samples without replacement, each drawn with weight EMA loss + Floor (unseen samples as the hardest seen).")]
public sealed class MyPolicyPlugin : PolicyPlugin<MyPolicyOptions>
{
    protected override ISelectionPolicy Create(MyPolicyOptions options, PolicyContext context) =>
        new MyPolicySelection(Name, options, context.SampleCount);
}

/// <summary>Loss-proportional sampling: every epoch, K of the N samples without replacement, sample i with weight
/// w_i = m_i + Floor, where m_i is the EMA of its loss on the score board; a sample never observed weighs as much as the
/// hardest observed one (all weigh 1 before anything is observed).</summary>
/// <remarks>The draw is Efraimidis and Spirakis' (2006): key_i = ln(u_i) / w_i with u_i uniform in (0, 1), keep the K largest
/// keys. For K = 1 sample i is chosen with probability w_i / Σw; a weight of 0 is never chosen while others remain.
/// All randomness comes from <see cref="EpochContext.Random"/>, so a run is reproducible and resumable.</remarks>
public sealed class MyPolicySelection(string name, MyPolicyOptions options, int sampleCount) : ISelectionPolicy
{
    /// <summary>K: round(KeepFraction·N), halves away from zero, clamped to [1, N].</summary>
    public int KeepCount { get; } = Math.Clamp((int)Math.Round(options.KeepFraction * sampleCount, MidpointRounding.AwayFromZero), 1, sampleCount);

    /// <summary>Rank by the per-sample loss: the engine then fills the score board's EMA with it.</summary>
    public PolicyNeeds Needs { get; } = new(Scorer: "loss");

    public double NominalKeepFraction => options.KeepFraction;

    public EpochPlan Plan(EpochContext context)
    {
        if (context.Scores.Count != sampleCount)
            throw new ArgumentException($"{name} was created for {sampleCount} samples, the score board has {context.Scores.Count}", nameof(context));
        return new EpochPlan(Sample(Weights(context.Scores.Mean, options.Floor), KeepCount, context.Random));
    }

    /// <summary>w_i = m_i + floor; an unobserved (NaN) mean counts as the largest observed one, or 1 when none is observed.</summary>
    public static double[] Weights(ReadOnlySpan<float> meanLoss, double floor)
    {
        var hardest = double.NaN;
        foreach (var m in meanLoss)
            if (float.IsFinite(m) && !(m <= hardest)) hardest = m;
        var unseen = double.IsNaN(hardest) ? 1.0 : hardest;
        var weights = new double[meanLoss.Length];
        for (var i = 0; i < weights.Length; i++)
            weights[i] = Math.Max(0, float.IsFinite(meanLoss[i]) ? meanLoss[i] : unseen) + floor;
        return weights;
    }

    /// <summary><paramref name="count"/> distinct indices drawn without replacement with probability proportional to
    /// <paramref name="weights"/> (Efraimidis–Spirakis), sorted ascending.</summary>
    public static int[] Sample(double[] weights, int count, Random random)
    {
        var keys = new double[weights.Length];
        var order = new int[weights.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            // ln(u)/w is a monotone transform of u^(1/w) that does not underflow; 1 - NextDouble() is in (0, 1].
            keys[i] = weights[i] > 0 ? Math.Log(1.0 - random.NextDouble()) / weights[i] : double.NegativeInfinity;
            order[i] = i;
        }
        Array.Sort(keys, order);                  // ascending: the largest keys are at the end
        var chosen = order.AsSpan(order.Length - count).ToArray();
        Array.Sort(chosen);
        return chosen;
    }
}
