using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Policies;

/// <summary>Options of the <c>infobatch</c> policy (config section <c>Run:Policy:Options</c>).</summary>
public sealed class InfoBatchOptions : PruningOptions
{
    /// <summary>Epochs <c>e &lt; Delta·E</c> prune; later ones train on full data. In (0, 1]. Default 0.875.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "Delta must be greater than 0 and at most 1.")]
    public double Delta { get; set; } = 0.875;

    /// <summary>The score of a sample not yet trained on (finite). Default 3.0, as InfoBatch's code. It is a hardness: the value
    /// itself for a scorer where higher is harder (a loss of 3), its negation where lower is harder (a margin of −3), so that an
    /// unseen sample is as hard whichever scorer ranks.</summary>
    [Range(-double.MaxValue, double.MaxValue, ErrorMessage = "InitialScore must be a finite number.")]
    public double InitialScore { get; set; } = 3.0;

    /// <summary>The scorer plugin whose latest value decides what is well learned: any loaded one. A sample is well learned when it
    /// is easier than the mean: below the mean when the scorer says higher is harder (loss), above it when lower is harder
    /// (margin). Default loss (InfoBatch).</summary>
    [Required(ErrorMessage = ScorerOption.Required)]
    public string Scorer { get; set; } = "loss";
}

/// <summary>InfoBatch (Qin et al., ICLR 2024): each epoch, randomly prune the well-learned samples (loss below the mean)
/// and up-weight the kept ones by 1/k so the expected gradient stays the same. The option <c>Scorer</c> names the scorer plugin
/// (default loss); with a scorer where lower is harder, such as margin, the well-learned samples are those above the mean.</summary>
[WinnowPlugin(PluginKind.Policy, "infobatch",
    "Epochs e < Delta*E: of the samples whose latest Scorer value (default loss; InitialScore until trained) is easier than the mean (below it, or above it for a lower-is-harder scorer), keep floor(k*count) at random with weight 1/k, all others with weight 1; then full data.")]
public sealed class InfoBatchPolicyPlugin : PolicyPlugin<InfoBatchOptions>
{
    protected override ISelectionPolicy Create(InfoBatchOptions options, PolicyContext context)
    {
        PolicyArguments.Check(Name, options, context);
        return new InfoBatchPolicy(Name, options, context.SampleCount, context.Epochs);
    }

    /// <summary>Whether <paramref name="epoch"/> prunes: <c>epoch &lt; delta·E</c>, compared in decimal (0.7·10 is exactly 7 on paper).</summary>
    public static bool Prunes(int epoch, double delta, int epochs) => epoch < (decimal)delta * epochs;

    private sealed class InfoBatchPolicy(string name, InfoBatchOptions o, int n, int epochs) : ISelectionPolicy
    {
        public PolicyNeeds Needs { get; } = new(Scorer: o.Scorer);

        public double NominalKeepFraction => o.KeepFraction;

        public EpochPlan Plan(EpochContext context)
        {
            PolicyArguments.CheckBoard(name, context, n);
            if (!Prunes(context.Epoch, o.Delta, epochs)) return Selection.Full(n);

            var latest = context.Scores.Latest;
            var seen = context.Scores.TimesObserved;
            var higherIsHarder = context.Scores.HigherIsHarder;
            // Compared in hardness so that one rule, below the mean, serves both directions; InitialScore is a hardness already.
            var hardness = new double[n];
            double sum = 0;
            for (var i = 0; i < n; i++) sum += hardness[i] = seen[i] > 0 ? Hardness.Of(latest[i], higherIsHarder) : o.InitialScore;
            var mean = sum / n;

            var wellLearned = new List<int>();
            var keep = new bool[n];
            for (var i = 0; i < n; i++)
            {
                if (hardness[i] < mean) wellLearned.Add(i);
                else keep[i] = true;
            }
            // floor(k·count) as InfoBatch's int(keep_ratio * len(...)), in decimal so that 0.3·10 is 3.
            var kept = (int)Math.Floor((decimal)o.KeepFraction * wellLearned.Count);
            var pool = wellLearned.ToArray();
            Selection.DrawToFront(pool, kept, context.Random);
            var upWeighted = new bool[n];
            for (var i = 0; i < kept; i++) keep[pool[i]] = upWeighted[pool[i]] = true;

            var count = n - wellLearned.Count + kept;
            var indices = new int[count];
            var weights = new float[count];
            var weight = (float)(1.0 / o.KeepFraction);
            for (int i = 0, j = 0; i < n; i++)
            {
                if (!keep[i]) continue;
                indices[j] = i;
                weights[j++] = upWeighted[i] ? weight : 1f;
            }
            return new EpochPlan(indices, weights);
        }
    }
}
