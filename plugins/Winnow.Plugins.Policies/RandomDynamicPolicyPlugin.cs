using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>random-dynamic</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class RandomDynamicOptions
{
    /// <summary>Fraction k of the training set used each epoch, in (0, 1]. Default 0.5.
    /// K = round(k·N) with halves rounded away from zero, and at least 1.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "KeepFraction must be greater than 0 and at most 1.")]
    public double KeepFraction { get; set; } = 0.5;
}

/// <summary>Uniform dynamic pruning (seed 1's random baseline): a fresh uniform subset every epoch.</summary>
[WinnowPlugin(PluginKind.Policy, "random-dynamic", "Each epoch, K = round(KeepFraction*N) samples drawn uniformly without replacement.")]
public sealed class RandomDynamicPolicyPlugin : IPolicyPlugin
{
    public Type OptionsType => typeof(RandomDynamicOptions);

    public ISelectionPolicy Create(object options, PolicyContext context)
    {
        if (options is not RandomDynamicOptions o)
            throw new ArgumentException($"random-dynamic expects {nameof(RandomDynamicOptions)}, got {options?.GetType().Name ?? "null"}", nameof(options));
        ArgumentNullException.ThrowIfNull(context);
        Validator.ValidateObject(o, new ValidationContext(o), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(context.SampleCount, nameof(context.SampleCount));
        return new RandomDynamicPolicy(context.SampleCount, KeepCount(o.KeepFraction, context.SampleCount));
    }

    /// <summary>K for a keep fraction and N.</summary>
    /// <remarks>Computed in decimal so that a fraction written as 0.35 rounds as 0.35·N would on paper
    /// (in double, 0.35·10 is 3.4999…); halves go away from zero so K never falls below what the config asks for.</remarks>
    public static int KeepCount(double keepFraction, int sampleCount)
    {
        var k = (int)Math.Round((decimal)keepFraction * sampleCount, MidpointRounding.AwayFromZero);
        return Math.Clamp(k, 1, sampleCount);
    }

    private sealed class RandomDynamicPolicy(int sampleCount, int keepCount) : ISelectionPolicy
    {
        // Reused across epochs but refilled every time: the plan must depend only on this epoch's generator,
        // or a resumed run would draw differently from an uninterrupted one.
        private readonly int[] _pool = new int[sampleCount];

        public EpochPlan Plan(EpochContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.Scores.Count != sampleCount)
                throw new InvalidOperationException($"random-dynamic was created for {sampleCount} samples but the score board has {context.Scores.Count}");

            for (var i = 0; i < _pool.Length; i++) _pool[i] = i;
            // Partial Fisher-Yates: after K swaps the first K slots are a uniform K-subset.
            var random = context.Random;
            for (var i = 0; i < keepCount; i++)
            {
                var j = random.Next(i, sampleCount);
                (_pool[i], _pool[j]) = (_pool[j], _pool[i]);
            }
            var chosen = _pool[..keepCount];
            Array.Sort(chosen);
            return new EpochPlan(chosen);
        }
    }
}
