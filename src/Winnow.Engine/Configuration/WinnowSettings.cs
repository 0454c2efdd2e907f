using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Winnow.Engine.Configuration;

/// <summary>The whole configuration: appsettings.json, then WINNOW_ environment variables, then the command line.</summary>
public sealed class WinnowSettings
{
    /// <summary>Where plugins are loaded from.</summary>
    public PluginSettings Plugins { get; set; } = new();

    /// <summary>What to train and how.</summary>
    public RunSettings Run { get; set; } = new();

    /// <summary>How this process runs: never part of a run's identity, so it may differ when resuming.</summary>
    public RuntimeSettings Runtime { get; set; } = new();
}

public sealed class RuntimeSettings
{
    /// <summary>Keep the tensor memory libtorch frees for reuse instead of handing it back to the system after every batch
    /// (glibc; see NativeMemory). Off only to compare: it costs a page fault per page per batch, which is slow on virtual machines.</summary>
    public bool MemoryReuse { get; set; } = true;
}

public sealed class PluginSettings
{
    /// <summary>The folder holding one sub-folder per plugin (<c>&lt;Name&gt;/&lt;Name&gt;.dll</c>). Empty: <c>plugins/</c> beside the host
    /// executable. A relative path starts at the configuration file's folder.</summary>
    public string Directory { get; set; } = "";
}

public enum OptimizerChoice
{
    /// <summary>SGD with momentum (Nesterov optional) and weight decay.</summary>
    Sgd,
    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,
}

public enum ScheduleChoice
{
    Constant,
    /// <summary>Multiply by <see cref="RunSettings.StepGamma"/> every <see cref="RunSettings.StepEvery"/> epochs.</summary>
    Step,
    /// <summary>Cosine from the peak to <see cref="RunSettings.MinLearningRate"/> over the epochs after warm-up.</summary>
    Cosine,
    /// <summary>Linear rise from peak/25 to the peak until <see cref="RunSettings.OneCyclePeak"/> of the run, then cosine down to the minimum.</summary>
    OneCycle,
}

/// <summary>What a non-finite (NaN or infinite) training loss does.</summary>
public enum NonFiniteLossChoice
{
    /// <summary>Stop the run with the epoch and step; the last finished epoch's checkpoint is kept, so <c>winnow resume</c> continues from it.</summary>
    Stop,
    /// <summary>Skip the batch: no optimizer step and no scores from it; counted in <c>metrics.csv</c> (<c>skipped_batches</c>,
    /// <c>skipped_samples</c>) and <c>summary.json</c>. A batch whose loss is finite but whose gradients are not is skipped too.
    /// An epoch in which every batch is skipped still stops the run.</summary>
    Skip,
}

public enum DeviceChoice
{
    /// <summary>CUDA when TorchSharp reports it, else the CPU.</summary>
    Auto,
    Cpu,
    Cuda,
}

public sealed class RunSettings
{
    [Range(1, 100_000)] public int Epochs { get; set; } = 5;

    [Range(1, 1_000_000)] public int BatchSize { get; set; } = 128;

    /// <summary>Batch size of evaluation and refresh passes. Larger is not faster on a CPU: 256 measured quicker than 1000 for cnn.</summary>
    [Range(1, 1_000_000)] public int EvalBatchSize { get; set; } = 256;

    public OptimizerChoice Optimizer { get; set; } = OptimizerChoice.Sgd;

    /// <summary>Peak learning rate of the schedule.</summary>
    [Range(1e-8, 100.0)] public double LearningRate { get; set; } = 0.05;

    [Range(0.0, 100.0)] public double MinLearningRate { get; set; }

    /// <summary>The schedule is a function of progress in epochs (epoch + step / steps of that epoch), so a pruned run, with fewer
    /// steps per epoch, follows the same learning-rate curve over epochs as a full one.</summary>
    public ScheduleChoice Schedule { get; set; } = ScheduleChoice.Cosine;

    /// <summary>Epochs of linear warm-up from 0 to the peak (not for one-cycle, which has its own rise).</summary>
    [Range(0.0, 100_000.0)] public double WarmupEpochs { get; set; }

    [Range(1e-3, 100_000.0)] public double StepEvery { get; set; } = 30;

    [Range(0.0, 1.0)] public double StepGamma { get; set; } = 0.1;

    /// <summary>Where one-cycle peaks, as a fraction of the run.</summary>
    [Range(0.01, 0.99)] public double OneCyclePeak { get; set; } = 0.3;

    /// <summary>SGD momentum.</summary>
    [Range(0.0, 0.999999)] public double Momentum { get; set; } = 0.9;

    /// <summary>Nesterov momentum (SGD; needs <see cref="Momentum"/> &gt; 0).</summary>
    public bool Nesterov { get; set; } = true;

    [Range(0.0, 1.0)] public double WeightDecay { get; set; } = 5e-4;

    /// <summary>AdamW's first and second moment rates.</summary>
    [Range(0.0, 0.999999)] public double Beta1 { get; set; } = 0.9;

    [Range(0.0, 0.999999999)] public double Beta2 { get; set; } = 0.999;

    /// <summary>Label smoothing of the training loss (the per-sample losses the scorers see are smoothed too).</summary>
    [Range(0.0, 0.99)] public double LabelSmoothing { get; set; }

    /// <summary>Evaluate the test split after every n-th epoch; the last epoch is always evaluated. Epochs that are not evaluated leave
    /// the test columns of metrics.csv empty. Evaluation counts in the run's time, so a larger value makes a run faster to finish
    /// and slower to notice that it reached <see cref="TargetAccuracy"/>.</summary>
    [Range(1, 100_000)] public int EvalEvery { get; set; } = 1;

    /// <summary>Stop once the test accuracy reaches this fraction (0.9 for 90%), as time-to-accuracy benchmarks do; the wall-clock
    /// and epochs it took are recorded in summary.json. 0 turns it off.</summary>
    [Range(0.0, 1.0)] public double TargetAccuracy { get; set; }

    /// <summary>Stop cleanly after this epoch (1-based) with a checkpoint, to be continued later by <c>winnow resume</c>; 0 runs to the end.</summary>
    [Range(0, 100_000)] public int StopAfterEpoch { get; set; }

    /// <summary>A NaN or infinite training loss stops the run (default), or skips its batch. May be changed when resuming, so a
    /// run that stopped on one can continue with <c>--Run:NonFiniteLoss=skip</c>.</summary>
    public NonFiniteLossChoice NonFiniteLoss { get; set; } = NonFiniteLossChoice.Stop;

    public DeviceChoice Device { get; set; } = DeviceChoice.Auto;

    /// <summary>Threads libtorch computes with; 0 takes one per core.</summary>
    [Range(0, 1024)] public int Threads { get; set; }

    /// <summary>The one seed every random choice of a run derives from.</summary>
    [Range(0, int.MaxValue)] public int Seed { get; set; } = 42;

    /// <summary>Where run folders are created. A relative path starts at the configuration file's folder.</summary>
    [Required(AllowEmptyStrings = false)] public string OutputDirectory { get; set; } = "runs";

    public PluginChoice Model { get; set; } = new() { Name = "cnn" };
    public PluginChoice Dataset { get; set; } = new() { Name = "fashion-mnist" };
    /// <summary>Empty: the scorer the policy ranks by (<see cref="PolicyNeeds.Scorer"/>), else <c>loss</c>.</summary>
    public PluginChoice Scorer { get; set; } = new();
    public PluginChoice Policy { get; set; } = new() { Name = "full" };
}

/// <summary>A plugin chosen by name, with the section its own options class binds to.</summary>
public sealed class PluginChoice
{
    [Required(AllowEmptyStrings = true)] public string Name { get; set; } = "";

    /// <summary>Bound later, to the options class the chosen plugin declares.</summary>
    public IConfigurationSection? Options { get; set; }
}
