using Winnow.Engine.Plugins;

namespace Winnow.Engine.Training;

/// <summary>Refuses a plan the engine cannot train on, naming the policy and the first bad value.</summary>
public static class PlanCheck
{
    public static void Validate(EpochPlan plan, int sampleCount, string policy, int epoch)
    {
        string Where() => $"policy '{policy}' returned a bad plan for epoch {epoch + 1}";
        if (plan.Indices is null) throw new PluginError($"{Where()}: Indices is null");
        if (plan.Indices.Length == 0) throw new PluginError($"{Where()}: no samples selected");
        var seen = new bool[sampleCount];
        for (var i = 0; i < plan.Indices.Length; i++)
        {
            var s = plan.Indices[i];
            if ((uint)s >= (uint)sampleCount)
                throw new PluginError($"{Where()}: Indices[{i}] = {s} is outside [0, {sampleCount})");
            if (seen[s]) throw new PluginError($"{Where()}: Indices[{i}] = {s} is selected twice");
            seen[s] = true;
        }
        if (plan.Weights is not { } w) return;
        if (w.Length != plan.Indices.Length)
            throw new PluginError($"{Where()}: {w.Length} weights for {plan.Indices.Length} indices");
        for (var i = 0; i < w.Length; i++)
        {
            if (!float.IsFinite(w[i]) || w[i] < 0)
                throw new PluginError($"{Where()}: Weights[{i}] = {w[i]} (sample {plan.Indices[i]}) must be finite and >= 0");
        }
    }
}
