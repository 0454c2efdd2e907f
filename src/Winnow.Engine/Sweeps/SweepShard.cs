using System.Globalization;
using Winnow.Engine.Configuration;

namespace Winnow.Engine.Sweeps;

/// <summary>Shard <see cref="Number"/> of <see cref="Count"/> (1-based) of a sweep: the runs at positions
/// <c>Number − 1, Number − 1 + Count, …</c> of the sweep file's plan (0-based, in the file's order).</summary>
/// <remarks>Decided by the position alone, which every process computes from the same sweep file, so shards started at once on
/// machines that share the sweep folder agree on who runs what without talking to each other. With one shard per run each shard
/// has exactly one run.</remarks>
public sealed record SweepShard(int Number, int Count)
{
    public static SweepShard Whole { get; } = new(1, 1);

    public bool IsWhole => Count == 1;

    /// <summary>Whether the run at <paramref name="position"/> (0-based) of the plan is this shard's.</summary>
    public bool Owns(int position) => position % Count == Number - 1;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Number}/{Count}");

    /// <summary>Reads <c>i/n</c> (1 ≤ i ≤ n), or <c>slurm</c> for the job array task's own shard, from
    /// <c>SLURM_ARRAY_TASK_ID</c>, <c>SLURM_ARRAY_TASK_MIN</c>, <c>SLURM_ARRAY_TASK_STEP</c> and <c>SLURM_ARRAY_TASK_COUNT</c>.</summary>
    /// <exception cref="ConfigurationError">the text is neither, or the Slurm variables are missing or inconsistent.</exception>
    public static SweepShard Parse(string text, Func<string, string?> environment)
    {
        if (text.Equals("slurm", StringComparison.OrdinalIgnoreCase)) return FromSlurm(environment);
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && i >= 1 && i <= n)
            return new SweepShard(i, n);
        throw new ConfigurationError($"--shard '{text}' is not <i>/<n> with 1 ≤ i ≤ n (e.g. 2/4), nor 'slurm' (the job array task's own shard)");
    }

    private static SweepShard FromSlurm(Func<string, string?> environment)
    {
        long Get(string name, long? fallback)
        {
            var value = environment(name);
            if (value is null && fallback is { } f) return f;
            if (value is null) throw new ConfigurationError($"--shard slurm: {name} is not set; it is set by Slurm in the tasks of a job array (sbatch --array), so run this from one (winnow sweep <file> --slurm writes the script)");
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) throw new ConfigurationError($"--shard slurm: {name}='{value}' is not a whole number");
            return v;
        }
        var id = Get("SLURM_ARRAY_TASK_ID", null);
        var count = Get("SLURM_ARRAY_TASK_COUNT", null);
        var min = Get("SLURM_ARRAY_TASK_MIN", 0);
        var step = Get("SLURM_ARRAY_TASK_STEP", 1);
        if (step < 1 || id < min || (id - min) % step != 0 || count < 1 || (id - min) / step >= count)
            throw new ConfigurationError(string.Create(CultureInfo.InvariantCulture,
                $"--shard slurm: task {id} is not one of {count} tasks from {min} in steps of {step} (SLURM_ARRAY_TASK_ID, _MIN, _STEP, _COUNT); submit the array as --array=0-{count - 1}"));
        return new SweepShard((int)((id - min) / step) + 1, (int)count);
    }
}
