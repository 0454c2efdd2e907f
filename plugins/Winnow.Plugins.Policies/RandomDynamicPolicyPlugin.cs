namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>random-dynamic</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class RandomDynamicOptions : DynamicPruningOptions
{
    /// <summary>Walk a fresh random permutation instead of drawing each selection independently, so every sample is used
    /// once per 1/k epochs (RS2 without replacement). Default false.</summary>
    public bool Cover { get; set; }
}

/// <summary>Uniform dynamic pruning (seed 1's random baseline): a fresh uniform subset at every selection.</summary>
[WinnowPlugin(PluginKind.Policy, "random-dynamic",
    "Every Interval epochs, K = round(KeepFraction*N) samples drawn uniformly without replacement; Cover=true walks a permutation so every sample is used once per 1/k epochs (RS2).")]
public sealed class RandomDynamicPolicyPlugin : IPolicyPlugin
{
    public Type OptionsType => typeof(RandomDynamicOptions);

    public ISelectionPolicy Create(object options, PolicyContext context)
    {
        var o = PolicyArguments.Check<RandomDynamicOptions>("random-dynamic", options, context);
        return new RandomDynamicPolicy(o, context);
    }

    /// <inheritdoc cref="Selection.KeepCount"/>
    public static int KeepCount(double keepFraction, int sampleCount) => Selection.KeepCount(keepFraction, sampleCount);

    private sealed class RandomDynamicPolicy(RandomDynamicOptions o, PolicyContext run) : ISelectionPolicy
    {
        private readonly int _n = run.SampleCount;
        private readonly int _k = Selection.KeepCount(o.KeepFraction, run.SampleCount);
        private readonly Phases _phases = new(o, run);
        private int[]? _selection;
        // Cover: the permutation being walked and the next position in it.
        private int[]? _permutation;
        private int _cursor;

        public double NominalKeepFraction => o.KeepFraction;

        public EpochPlan Plan(EpochContext context)
        {
            PolicyArguments.CheckBoard("random-dynamic", context, _n);
            if (_phases.IsFullData(context.Epoch)) return Selection.Full(_n);
            // Without cover and with Interval 1 the plan depends only on this epoch's generator, so a resumed run draws as an uninterrupted one.
            if (_selection is null || (context.Epoch - o.Warmup) % o.Interval == 0)
                _selection = o.Cover ? Walk(context.Random) : Selection.Uniform(_n, _k, context.Random);
            return new EpochPlan((int[])_selection.Clone());
        }

        // The next K samples of the permutation; when it runs out, a fresh one continues, skipping samples this selection already has.
        private int[] Walk(Random random)
        {
            var chosen = new int[_k];
            var taken = 0;
            bool[]? inThisSelection = null;
            if (_permutation is null) Reshuffle(random);
            while (taken < _k)
            {
                if (_cursor == _n)
                {
                    inThisSelection = new bool[_n];
                    for (var i = 0; i < taken; i++) inThisSelection[chosen[i]] = true;
                    Reshuffle(random);
                }
                var s = _permutation![_cursor++];
                if (inThisSelection is not null && inThisSelection[s]) continue;
                chosen[taken++] = s;
            }
            return Selection.Ascending(chosen, _n);
        }

        private void Reshuffle(Random random)
        {
            _permutation = Selection.Identity(_n);
            Selection.DrawToFront(_permutation, _n, random);
            _cursor = 0;
        }
    }
}
