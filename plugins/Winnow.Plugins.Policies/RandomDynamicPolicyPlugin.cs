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

    private sealed class RandomDynamicPolicy(RandomDynamicOptions o, PolicyContext run) : ISelectionPolicy, IRestorable
    {
        private const string Name = "random-dynamic";
        private const int StateVersion = 1;
        private readonly int _n = run.SampleCount;
        private readonly int _k = Selection.KeepCount(o.KeepFraction, run.SampleCount);
        private readonly Phases _phases = new(o, run);
        // The state a checkpoint saves: the current selection, and with Cover the permutation being walked and the next position in it.
        private int[]? _selection;
        private int[]? _permutation;
        private int _cursor;

        public double NominalKeepFraction => o.KeepFraction;

        public EpochPlan Plan(EpochContext context)
        {
            PolicyArguments.CheckBoard(Name, context, _n);
            if (_phases.IsFullData(context.Epoch)) return Selection.Full(_n);
            if ((context.Epoch - o.Warmup) % o.Interval == 0)
                _selection = o.Cover ? Walk(context.Random) : Selection.Uniform(_n, _k, context.Random);
            return new EpochPlan((int[])PolicyArguments.Reused(Name, _selection, context.Epoch).Clone());
        }

        /// <summary>Version, name, N; the selection (K indices or none); the permutation (N indices or none); the cursor.</summary>
        public void Save(BinaryWriter writer)
        {
            PolicyState.WriteHeader(writer, StateVersion, Name, _n);
            PolicyState.WriteIndices(writer, _selection);
            PolicyState.WriteIndices(writer, _permutation);
            writer.Write(_cursor);
        }

        public void Restore(BinaryReader reader)
        {
            (_selection, _permutation, _cursor) = PolicyState.Read(reader, StateVersion, Name, _n, r =>
            {
                var selection = PolicyState.ReadSelection(r, Name, _n, _k);
                var permutation = PolicyState.ReadPermutation(r, Name, _n);
                var cursor = r.ReadInt32();
                if (permutation is not null && !o.Cover)
                    throw new InvalidDataException($"{Name}: the saved state walks a permutation (Cover), but this run has Cover off");
                if (permutation is null && o.Cover && selection is not null)
                    throw new InvalidDataException($"{Name}: the saved state has a selection but no permutation (saved with Cover off), but this run has Cover on");
                if (cursor < 0 || cursor > (permutation is null ? 0 : _n))
                    throw new InvalidDataException($"{Name}: the saved cursor {cursor} is outside the permutation of {(permutation is null ? 0 : _n)} samples");
                return (selection, permutation, cursor);
            });
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
