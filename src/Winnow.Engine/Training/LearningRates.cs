using Winnow.Engine.Configuration;

namespace Winnow.Engine.Training;

/// <summary>The learning rate as a function of progress <c>t</c> in epochs (epoch + step / steps of that epoch).</summary>
/// <remarks>Defined over epochs, not steps: a pruned run has fewer steps per epoch, and a schedule sized in steps from the full
/// dataset would end early for it. Over epochs both runs follow the same curve.</remarks>
public static class LearningRates
{
    public static double At(RunSettings s, double t)
    {
        var peak = s.LearningRate;
        var floor = Math.Min(s.MinLearningRate, peak);
        var epochs = (double)s.Epochs;
        if (s.Schedule == ScheduleChoice.OneCycle)
        {
            var top = s.OneCyclePeak * epochs;
            if (t < top) return peak / 25 + (peak - peak / 25) * t / top;
            return Cosine(peak, floor, (t - top) / (epochs - top));
        }
        var warmup = Math.Min(s.WarmupEpochs, epochs);
        if (t < warmup) return peak * t / warmup;
        return s.Schedule switch
        {
            ScheduleChoice.Constant => peak,
            ScheduleChoice.Step => Math.Max(floor, peak * Math.Pow(s.StepGamma, Math.Floor((t - warmup) / s.StepEvery))),
            _ => Cosine(peak, floor, epochs > warmup ? (t - warmup) / (epochs - warmup) : 1),
        };
    }

    private static double Cosine(double peak, double floor, double progress) =>
        floor + 0.5 * (peak - floor) * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1)));
}
