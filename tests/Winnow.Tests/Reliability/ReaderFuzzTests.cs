using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using TorchSharp;
using Winnow.Plugins.Datasets;
using Winnow.Tests.Datasets;

namespace Winnow.Tests.Reliability;

/// <summary>Property-based fuzzing of the dataset readers with FsCheck: thousands of valid files, mutated (bits flipped, bytes set,
/// header words forged, cut, extended, spliced; raw, gzip'd after mutating, or mutated after gzipping), must each either read into
/// data consistent with itself or be refused with the reader's own documented exception naming the file. No other exception, no
/// hang, and no allocation out of proportion to the file: a forged header must not make the reader reserve gigabytes.</summary>
[TestClass]
public sealed class ReaderFuzzTests
{
    /// <summary>Fixed so that CI is reproducible; set FUZZ_SEED to explore other corners.</summary>
    private static ulong Seed => ulong.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var s) ? s : 20261123;

    private static Config Settings(int tests) =>
        Config.QuickThrowOnFailure.WithMaxTest(tests).WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));

    /// <summary>A call that must end quickly: a hang fails the property instead of the whole test run.</summary>
    private static T Bounded<T>(Func<T> call, string what)
    {
        var task = Task.Run(call);
        if (!task.Wait(TimeSpan.FromSeconds(10))) throw new TimeoutException($"hang: {what} did not return in 10 s");
        return task.Result;
    }

    // ---- mutations ----

    private enum Op { FlipBit, SetByte, ForgeWord, Truncate, Append, Insert, Delete, Splice }

    /// <summary>One change to a file's bytes. Positions and lengths are taken modulo the file's length when applied.</summary>
    private sealed record Mutation(Op Op, int Position, int Count, uint Value)
    {
        public override string ToString() => $"{Op}@{Position}x{Count}={Value:X}";
    }

    private static readonly Gen<uint> Words = Gen.Frequency(
        (3, Gen.Elements(0u, 1u, 2u, 3u, 10u, 28u, 255u, 256u, 0x801u, 0x803u, 0x10000u, 60000u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 0x01000000u)),
        (1, Gen.Choose(int.MinValue, int.MaxValue).Select(v => unchecked((uint)v))));

    private static readonly Gen<Mutation> Mutations =
        from op in Gen.Frequency(
            (4, Gen.Constant(Op.FlipBit)), (3, Gen.Constant(Op.SetByte)), (4, Gen.Constant(Op.ForgeWord)), (3, Gen.Constant(Op.Truncate)),
            (2, Gen.Constant(Op.Append)), (1, Gen.Constant(Op.Insert)), (1, Gen.Constant(Op.Delete)), (1, Gen.Constant(Op.Splice)))
        from position in Gen.Frequency((3, Gen.Choose(0, 16)), (2, Gen.Choose(0, 1 << 16)))
        from count in Gen.Frequency((3, Gen.Choose(1, 8)), (1, Gen.Choose(1, 5000)))
        from value in Words
        select new Mutation(op, position, count, value);

    private static byte[] Apply(byte[] bytes, Mutation m)
    {
        var list = new List<byte>(bytes);
        int At(int extra = 0) => list.Count + extra == 0 ? 0 : m.Position % (list.Count + extra);
        var noise = new System.Random(m.Position ^ (int)m.Value);
        switch (m.Op)
        {
            case Op.FlipBit when list.Count > 0:
                list[At()] ^= (byte)(1 << (int)(m.Value % 8));
                break;
            case Op.SetByte when list.Count > 0:
                list[At()] = (byte)m.Value;
                break;
            case Op.ForgeWord:
                // A big-endian 32-bit word at a word boundary of the header: the magic number or a dimension size.
                var offset = 4 * (m.Position % 4);
                while (list.Count < offset + 4) list.Add(0);
                for (var i = 0; i < 4; i++) list[offset + i] = (byte)(m.Value >> (24 - 8 * i));
                break;
            case Op.Truncate:
                list.RemoveRange(At(1), list.Count - At(1));
                break;
            case Op.Append:
                for (var i = 0; i < m.Count; i++) list.Add((byte)noise.Next(256));
                break;
            case Op.Insert:
                list.InsertRange(At(1), Enumerable.Range(0, m.Count).Select(_ => (byte)noise.Next(256)));
                break;
            case Op.Delete when list.Count > 0:
                var start = At();
                list.RemoveRange(start, Math.Min(m.Count, list.Count - start));
                break;
            case Op.Splice:
                // Two files' worth of data, as a concatenation would give.
                list.AddRange(bytes);
                break;
        }
        return [.. list];
    }

    // ---- IDX ----

    private static readonly byte[][] IdxBases =
    [
        IdxFiles.Images(3, 4, 5, IdxFiles.Pattern(3, 20)),
        IdxFiles.Labels([0, 1, 2]),
        IdxFiles.Images(10, 28, 28, IdxFiles.Pattern(10, 784)),
        IdxFiles.Labels([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
    ];

    /// <param name="Gzip">0: raw; 1: gzip'd, then the compressed bytes mutated; 2: mutated, then gzip'd.</param>
    private sealed record IdxCase(int Base, bool ReadAsImages, int Gzip, Mutation[] Mutations)
    {
        public byte[] Bytes()
        {
            var bytes = IdxBases[Base];
            if (Gzip == 1) bytes = IdxFiles.Gzip(bytes);
            bytes = Mutations.Aggregate(bytes, Apply);
            return Gzip == 2 ? IdxFiles.Gzip(bytes) : bytes;
        }

        public override string ToString() =>
            $"base {Base} read as {(ReadAsImages ? "images" : "labels")}, gzip mode {Gzip}: {string.Join(", ", Mutations.Select(m => m.ToString()))}";
    }

    private static readonly Gen<IdxCase> IdxCases =
        from b in Gen.Choose(0, IdxBases.Length - 1)
        from images in Gen.Elements(true, false)
        from gzip in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Constant(1)), (2, Gen.Constant(2)))
        from n in Gen.Choose(1, 4)
        from mutations in Mutations.ArrayOf(n)
        select new IdxCase(b, images, gzip, mutations);

    [TestMethod]
    public void TheIdxReaderReadsOrRefusesEveryMutatedFileWithItsOwnException()
    {
        using var folder = new TempDirectory();
        var path = folder.File("fuzz-idx3-ubyte");
        int read = 0, refused = 0;
        var clock = Stopwatch.StartNew();

        var property = Prop.ForAll(IdxCases.ToArbitrary(), c =>
        {
            var bytes = c.Bytes();
            File.WriteAllBytes(path, bytes);
            // Whatever the header says, reading costs memory in proportion to the file: its data, or at most what gzip can inflate it to.
            var limit = (8L << 20) + (c.Gzip == 0 ? 2L * bytes.Length : 1100L * bytes.Length);
            var (outcome, allocated) = Bounded(() =>
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                string result;
                try
                {
                    if (c.ReadAsImages)
                    {
                        var images = IdxReader.ReadImages(path);
                        result = images.Count > 0 && images.Rows > 0 && images.Columns > 0 && images.Pixels.Length == (long)images.Count * images.Rows * images.Columns
                            ? "read" : $"inconsistent images: {images.Count}x{images.Rows}x{images.Columns} with {images.Pixels.Length} bytes";
                    }
                    else
                    {
                        result = IdxReader.ReadLabels(path).Length > 0 ? "read" : "no labels";
                    }
                }
                catch (InvalidDataException e)
                {
                    result = e.Message.StartsWith(path + ": ", StringComparison.Ordinal) ? "refused" : $"message does not start with the file: {e.Message}";
                }
                return (result, GC.GetAllocatedBytesForCurrentThread() - before);
            }, c.ToString());
            if (outcome == "read") read++;
            else if (outcome == "refused") refused++;
            else throw new InvalidOperationException($"{c}: {outcome}");
            if (allocated > limit) throw new InvalidOperationException($"{c}: allocated {allocated:N0} bytes for a file of {bytes.Length:N0}");
        });
        Check.One(Settings(6000), property);

        Console.WriteLine($"IDX: {read} read, {refused} refused in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.IsGreaterThan(100, read, "some mutations leave a valid file (a pixel flipped, say): they must still read");
        Assert.IsGreaterThan(1000, refused);
    }

    // ---- MNIST folders (the IDX reader plus the checks across files: counts, labels, sizes) ----

    private static readonly string[] MnistNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    private static readonly byte[][] MnistBases =
    [
        IdxFiles.Images(6, 3, 3, IdxFiles.Pattern(6, 9)),
        IdxFiles.Labels([0, 1, 2, 3, 4, 9]),
        IdxFiles.Images(2, 3, 3, IdxFiles.Pattern(2, 9, salt: 1)),
        IdxFiles.Labels([5, 6]),
    ];

    private sealed record MnistCase(int File, bool Gzip, int Limit, Mutation[] Mutations)
    {
        public override string ToString() => $"{MnistNames[File]}{(Gzip ? ".gz" : "")}, limit {Limit}: {string.Join(", ", Mutations.Select(m => m.ToString()))}";
    }

    private static readonly Gen<MnistCase> MnistCases =
        from file in Gen.Choose(0, 3)
        from gzip in Gen.Elements(false, true)
        from limit in Gen.Elements(0, 0, 1, 3, 100)
        from n in Gen.Choose(1, 3)
        from mutations in Mutations.ArrayOf(n)
        select new MnistCase(file, gzip, limit, mutations);

    [TestMethod]
    public void TheMnistDatasetOpensOrRefusesEveryMutatedFolderWithADocumentedException()
    {
        using var folder = new TempDirectory();
        int read = 0, refused = 0;
        var property = Prop.ForAll(MnistCases.ToArbitrary(), c =>
        {
            foreach (var f in Directory.GetFiles(folder.Path)) File.Delete(f);
            for (var i = 0; i < MnistNames.Length; i++)
            {
                var bytes = i == c.File ? c.Mutations.Aggregate(MnistBases[i], Apply) : MnistBases[i];
                IdxFiles.Write(folder.File(MnistNames[i] + (i == c.File && c.Gzip ? ".gz" : "")), bytes, gzip: i == c.File && c.Gzip);
            }
            var options = new MnistOptions { Path = folder.Path, TrainLimit = c.Limit };
            var outcome = Bounded(() =>
            {
                try
                {
                    using var data = ((IDatasetPlugin)new MnistDatasetPlugin()).Open(options, new DatasetContext(folder.Path, 1));
                    return Consistent(data, 10) ?? "read";
                }
                catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
                {
                    return e.Message.Contains(folder.Path, StringComparison.Ordinal) ? "refused" : $"message names no file: {e.Message}";
                }
            }, c.ToString());
            if (outcome == "read") read++;
            else if (outcome == "refused") refused++;
            else throw new InvalidOperationException($"{c}: {outcome}");
        });
        Check.One(Settings(1500), property);

        Console.WriteLine($"MNIST: {read} read, {refused} refused");
        Assert.IsGreaterThan(50, read);
        Assert.IsGreaterThan(500, refused);
    }

    /// <summary>Null when an opened dataset is consistent with itself: shapes agree, labels in range, every input finite.</summary>
    private static string? Consistent(Dataset data, int classes)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var split in new[] { data.Train, data.Test })
        {
            if (split.Count <= 0 || split.Inputs.shape[0] != split.Count) return $"split of {split.Count} with inputs [{string.Join(", ", split.Inputs.shape)}]";
            if (split.Labels.min().item<long>() < 0 || split.Labels.max().item<long>() >= classes) return "a label out of range was let through";
            if (!split.ModelInputs().isfinite().all().item<bool>()) return "non-finite inputs";
        }
        return data.ClassNames.Count == classes ? null : $"{data.ClassNames.Count} class names";
    }

    // ---- CIFAR ----

    private enum CifarOp { Truncate, Append, SetLabel, Delete, Empty, Directory, Names }

    private sealed record CifarChange(CifarOp Op, int File, int Record, int Value, int Count)
    {
        public override string ToString() => $"{Op}(file {File}, record {Record}, {Value}, {Count})";
    }

    private sealed record CifarCase(bool Hundred, bool Coarse, int TrainLimit, int TestLimit, CifarChange[] Changes)
    {
        public override string ToString() =>
            $"{(Hundred ? $"cifar100 ({(Coarse ? "coarse" : "fine")})" : "cifar10")}, limits {TrainLimit}/{TestLimit}: {string.Join(", ", Changes.Select(c => c.ToString()))}";
    }

    private static readonly string[] NameLines = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", "", " ", "cat", "\u00e9\u00e8", "\0", new string('x', 3000)];

    private static readonly Gen<CifarChange> CifarChanges =
        from op in Gen.Frequency((3, Gen.Constant(CifarOp.Truncate)), (2, Gen.Constant(CifarOp.Append)), (4, Gen.Constant(CifarOp.SetLabel)),
            (1, Gen.Constant(CifarOp.Delete)), (1, Gen.Constant(CifarOp.Empty)), (1, Gen.Constant(CifarOp.Directory)), (3, Gen.Constant(CifarOp.Names)))
        from file in Gen.Choose(0, 6)
        from record in Gen.Choose(0, 2)
        from value in Gen.Frequency((3, Gen.Elements(0, 9, 10, 19, 20, 99, 100, 255)), (1, Gen.Choose(0, 255)))
        from count in Gen.Frequency((3, Gen.Choose(1, 4)), (2, Gen.Choose(1, 3073 * 2)), (1, Gen.Elements(3072, 3073, 3074, 6146)))
        select new CifarChange(op, file, record, value, count);

    private static readonly Gen<CifarCase> CifarCases =
        from hundred in Gen.Elements(false, true)
        from coarse in Gen.Elements(false, true)
        from trainLimit in Gen.Elements(0, 0, 1, 3, 50)
        from testLimit in Gen.Elements(0, 0, 1)
        from n in Gen.Choose(1, 3)
        from changes in CifarChanges.ArrayOf(n)
        select new CifarCase(hundred, coarse, trainLimit, testLimit, changes);

    /// <summary>Writes a valid folder (three records per batch file) and applies the case's changes to it.</summary>
    private static void WriteCifar(string folder, CifarCase c)
    {
        string[] batches = c.Hundred ? ["train.bin", "test.bin"] : ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
        var names = c.Hundred ? (c.Coarse ? "coarse_label_names.txt" : "fine_label_names.txt") : "batches.meta.txt";
        var labelBytes = c.Hundred ? 2 : 1;
        foreach (var b in batches)
            File.WriteAllBytes(Path.Combine(folder, b), CifarFiles.Records([.. Enumerable.Range(0, 3).Select(r => Enumerable.Repeat((byte)(r + 1), labelBytes).ToArray())], CifarFiles.PatternPixels(3)));
        string[] files = [.. batches, names];
        foreach (var change in c.Changes)
        {
            var path = Path.Combine(folder, files[change.File % files.Length]);
            if (Directory.Exists(path)) continue;
            var bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
            switch (change.Op)
            {
                case CifarOp.Truncate:
                    File.WriteAllBytes(path, bytes[..Math.Max(0, bytes.Length - change.Count)]);
                    break;
                case CifarOp.Append:
                    File.WriteAllBytes(path, [.. bytes, .. Enumerable.Repeat((byte)change.Value, change.Count)]);
                    break;
                case CifarOp.SetLabel:
                    var at = change.Record * (labelBytes + CifarFiles.PixelBytes) + change.Value % labelBytes;
                    if (at < bytes.Length) bytes[at] = (byte)change.Value;
                    File.WriteAllBytes(path, bytes);
                    break;
                case CifarOp.Delete:
                    File.Delete(path);
                    break;
                case CifarOp.Empty:
                    File.WriteAllBytes(path, []);
                    break;
                case CifarOp.Directory:
                    File.Delete(path);
                    Directory.CreateDirectory(path);
                    break;
                case CifarOp.Names when !Directory.Exists(Path.Combine(folder, names)):
                    var lines = Enumerable.Range(0, change.Count % 130).Select(i => NameLines[(i * 7 + change.Value) % NameLines.Length] + (i % 5 == 0 ? $"{i}" : ""));
                    File.WriteAllLines(Path.Combine(folder, names), lines);
                    break;
            }
        }
    }

    [TestMethod]
    public void TheCifarReadersOpenOrRefuseEveryMutatedFolderWithADocumentedException()
    {
        using var root = new TempDirectory();
        int read = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        var property = Prop.ForAll(CifarCases.ToArbitrary(), c =>
        {
            var folder = Path.Combine(root.Path, "cifar");
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.CreateDirectory(folder);
            WriteCifar(folder, c);
            var outcome = Bounded(() =>
            {
                try
                {
                    var context = new DatasetContext(folder, 1);
                    using var data = c.Hundred
                        ? ((IDatasetPlugin)new Cifar100DatasetPlugin()).Open(new Cifar100Options { Path = folder, TrainLimit = c.TrainLimit, TestLimit = c.TestLimit, Labels = c.Coarse ? Cifar100Labels.Coarse : Cifar100Labels.Fine }, context)
                        : ((IDatasetPlugin)new Cifar10DatasetPlugin()).Open(new Cifar10Options { Path = folder, TrainLimit = c.TrainLimit, TestLimit = c.TestLimit }, context);
                    return Consistent(data, c.Hundred ? (c.Coarse ? 20 : 100) : 10) ?? "read";
                }
                catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
                {
                    return e.Message.Contains(folder, StringComparison.Ordinal) ? "refused" : $"message names no file: {e.Message}";
                }
            }, c.ToString());
            if (outcome == "read") read++;
            else if (outcome == "refused") refused++;
            else throw new InvalidOperationException($"{c}: {outcome}");
        });
        Check.One(Settings(1500), property);

        Console.WriteLine($"CIFAR: {read} read, {refused} refused in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.IsGreaterThan(50, read);
        Assert.IsGreaterThan(500, refused);
    }
}
