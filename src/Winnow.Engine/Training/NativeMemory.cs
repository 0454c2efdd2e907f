using System.Runtime.InteropServices;

namespace Winnow.Engine.Training;

/// <summary>How the process's native heap treats the tensor buffers libtorch frees, set once at start-up before the first tensor.</summary>
/// <remarks>
/// <para><b>Reuse.</b> glibc's malloc serves large blocks (over 128 KiB, adjusting upwards to 32 MiB) with their own <c>mmap</c> and
/// gives them back with <c>munmap</c> when freed, and trims the top of the heap as soon as 128 KiB are free. A training step allocates
/// and frees the same few megabyte-sized activation buffers every batch, so each batch faults its buffers in again, page by page.
/// On a virtual machine a page fault is expensive: an evaluation pass over 10,000 Fashion-MNIST images took 6.0 s that way and
/// 1.4 s with the freed memory kept (measured 2026-12-01, 2 cores). Raising the mmap threshold to 1 GiB and the trim threshold out
/// of reach keeps freed buffers in the heap, where the next batch reuses them; the resident set then stays at the high-water mark
/// of one step, which is flat across epochs. <c>mallopt</c> inside the process is the only way that works for every way Winnow is
/// started (the <c>GLIBC_TUNABLES</c> variable must be set before the process exists).</para>
/// <para>Reused memory holds what it held before, where fresh pages from the kernel are zero: a kernel that reads memory it never
/// wrote gives different results from run to run. The one such kernel met so far (oneDNN's convolution backward pass with fewer
/// than 16 output channels) is routed around by the model plugins, see <c>Convolution</c> in Winnow.Plugins.Models.</para>
/// <para>Elsewhere (Windows, macOS, a C library other than glibc) nothing is changed and <see cref="Configure"/> says so.</para>
/// </remarks>
public static class NativeMemory
{
    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>What <see cref="Configure"/> did, in a line for the run's set-up output; empty before it ran.</summary>
    public static string Description { get; private set; } = "";

    /// <summary>Sets the heap up for training; call once, first thing, before any tensor exists. Idempotent.</summary>
    /// <param name="reuse">Keep freed buffers for reuse (the default); false leaves glibc's defaults, for comparison.</param>
    public static string Configure(bool reuse)
    {
        if (Description.Length > 0) return Description;
        if (!reuse) return Description = "memory: the C library's defaults (Runtime:MemoryReuse=false)";
        if (!OperatingSystem.IsLinux()) return Description = "memory: the platform's allocator (reuse tuning is for Linux with glibc)";
        try
        {
            // 1 GiB: glibc 2.26 and later accept any threshold; older ones cap it at 32 MiB, which still covers one batch's buffers.
            var mmap = MallOpt(MMmapThreshold, 1 << 30) == 1 ? "1 GiB" : MallOpt(MMmapThreshold, 32 << 20) == 1 ? "32 MiB" : null;
            var trim = MallOpt(MTrimThreshold, int.MaxValue) == 1;
            if (mmap is null || !trim)
                return Description = "memory: this C library refused the reuse settings (mallopt); freed buffers go back to the system";
            return Description = $"memory: freed buffers kept for reuse (mmap threshold {mmap}, no trimming)";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Description = "memory: the platform's allocator (no glibc mallopt here)";
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);
}
