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
public sealed class RandomDynamicPolicyPlugin : PolicyPlugin<RandomDynamicOptions>
{
    protected override ISelectionPolicy Create(RandomDynamicOptions options, PolicyContext context)
    {
        PolicyArguments.Check(Name, options, context);
        return new RandomDynamicPolicy(Name, options, context);
    }

    /// <inheritdoc cref="Selection.KeepCount"/>
    public static int KeepCount(double keepFraction, int sampleCount) => Selection.KeepCount(keepFraction, sampleCount);

    private sealed class RandomDynamicPolicy(string name, RandomDynamicOptions o, PolicyContext run) : SelectingPolicy(name, o, run)
    {
        private const int StateVersion = 1;
        // Beside the selection, the state a checkpoint saves with Cover: the permutation being walked and the next position in it.
        private int[]? _permutation;
        private int _cursor;

        protected override bool SelectsAt(int epoch) => (epoch - o.Warmup) % o.Interval == 0;

        protected override int[] Select(EpochContext context) => o.Cover ? Walk(context.Random) : Selection.Uniform(N, K, context.Random);

        /// <summary>Version, name, N; the selection (K indices or none); the permutation (N indices or none); the cursor.</summary>
        public override void Save(BinaryWriter writer)
        {
            PolicyState.WriteHeader(writer, StateVersion, Name, N);
            PolicyState.WriteIndices(writer, Current);
            PolicyState.WriteIndices(writer, _permutation);
            writer.Write(_cursor);
        }

        public override void Restore(BinaryReader reader)
        {
            (Current, _permutation, _cursor) = PolicyState.Read(reader, StateVersion, Name, N, r =>
            {
                var selection = PolicyState.ReadSelection(r, Name, N, K);
                var permutation = PolicyState.ReadPermutation(r, Name, N);
                var cursor = r.ReadInt32();
                if (permutation is not null && !o.Cover)
                    throw new InvalidDataException($"{Name}: the saved state walks a permutation (Cover), but this run has Cover off");
                if (permutation is null && o.Cover && selection is not null)
                    throw new InvalidDataException($"{Name}: the saved state has a selection but no permutation (saved with Cover off), but this run has Cover on");
                if (cursor < 0 || cursor > (permutation is null ? 0 : N))
                    throw new InvalidDataException($"{Name}: the saved cursor {cursor} is outside the permutation of {(permutation is null ? 0 : N)} samples");
                return (selection, permutation, cursor);
            });
        }

        // The next K samples of the permutation; when it runs out, a fresh one continues, skipping samples this selection already has.
        private int[] Walk(Random random)
        {
            var chosen = new int[K];
            var taken = 0;
            bool[]? inThisSelection = null;
            if (_permutation is null) Reshuffle(random);
            while (taken < K)
            {
                if (_cursor == N)
                {
                    inThisSelection = new bool[N];
                    for (var i = 0; i < taken; i++) inThisSelection[chosen[i]] = true;
                    Reshuffle(random);
                }
                var s = _permutation![_cursor++];
                if (inThisSelection is not null && inThisSelection[s]) continue;
                chosen[taken++] = s;
            }
            return Selection.Ascending(chosen, N);
        }

        private void Reshuffle(Random random)
        {
            _permutation = Selection.Identity(N);
            Selection.DrawToFront(_permutation, N, random);
            _cursor = 0;
        }
    }
}
