namespace Winnow.Engine.Configuration;

/// <summary>Rules across keys of <c>Run</c> that no single key's range can say.</summary>
public static class RunChecks
{
    /// <exception cref="ConfigurationError">a rule is broken; the message names the keys.</exception>
    public static void Validate(RunSettings run)
    {
        var problems = new List<string>();
        if (run.Nesterov && run.Momentum <= 0 && run.Optimizer == OptimizerChoice.Sgd)
            problems.Add("Run:Nesterov: Nesterov momentum needs Run:Momentum > 0 (set Run:Nesterov=false or a momentum)");
        if (run.MinLearningRate > run.LearningRate)
            problems.Add($"Run:MinLearningRate ({run.MinLearningRate}) must not exceed Run:LearningRate ({run.LearningRate})");
        if (problems.Count > 0) throw new ConfigurationError(problems);
    }
}
