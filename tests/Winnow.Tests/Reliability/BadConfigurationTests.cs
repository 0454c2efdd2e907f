using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Reliability;

/// <summary>Every numeric option of the run settings and of every built plugin, tried at and beyond its bounds (the cases come
/// from the <see cref="RangeAttribute"/>s by reflection, so a new option is covered the day it is added); wrong types, unknown
/// keys, unknown plugin names; and, through the real host, the configuration mistakes a user makes first.</summary>
[TestClass]
public sealed class BadConfigurationTests
{
    private static PluginCatalog? _catalog;

    private static PluginCatalog Catalog => _catalog ??= PluginCatalog.Load(TestPaths.PluginsDirectory);

    [ClassCleanup]
    public static void Cleanup() => _catalog?.Dispose();

    /// <summary>One option: where it binds (<c>Run</c> or <c>Run:Policy:Options</c>), its property, and the plugin it belongs to.</summary>
    private sealed record Option(string Section, PropertyInfo Property, PluginKind? Kind, string? Plugin)
    {
        public string Key => $"{Section}:{Property.Name}";
        public override string ToString() => Plugin is null ? Key : $"{Key} of {Plugin}";
    }

    private static IEnumerable<Option> Options()
    {
        foreach (var p in StrictBinder.Keys(typeof(RunSettings))) yield return new Option("Run", p, null, null);
        foreach (var entry in Catalog.Entries)
        {
            var type = PluginCatalog.Instantiate(entry).OptionsType;
            foreach (var p in StrictBinder.Keys(type))
                yield return new Option($"Run:{entry.Kind}:Options", p, entry.Kind, entry.Name);
        }
    }

    private static bool IsNumeric(Type t) => t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(float);

    /// <summary>Binds the option to <paramref name="value"/> the way a run does: the run settings, then the chosen plugins' options.
    /// Returns the problems found (none: accepted).</summary>
    private static IReadOnlyList<string> Try(Option option, string value)
    {
        var pairs = new Dictionary<string, string?>
        {
            ["Run:Model:Name"] = "mlp",
            ["Run:Dataset:Name"] = "synthetic",
            ["Run:Policy:Name"] = "full",
            [option.Key] = value,
        };
        if (option.Kind is { } kind) pairs[$"Run:{kind}:Name"] = option.Plugin;
        try
        {
            var settings = StrictBinder.Bind<WinnowSettings>(new ConfigurationBuilder().AddInMemoryCollection(pairs).Build(), "");
            RunComposer.Choose(settings.Run, Catalog);
            return [];
        }
        catch (ConfigurationError e)
        {
            return e.Problems;
        }
    }

    private static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The values to try for a ranged option: those that must pass (the bounds, or just inside an exclusive one) and those
    /// that must be refused (just beyond each bound, or an exclusive bound itself).</summary>
    private static (List<string> Pass, List<string> Refuse) Cases(Type type, RangeAttribute range)
    {
        var min = Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
        var max = Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
        List<string> pass = [], refuse = [];
        if (type == typeof(int) || type == typeof(long))
        {
            long lo = (long)Math.Ceiling(min), hi = (long)Math.Floor(max);
            if (range.MinimumIsExclusive) { refuse.Add(Whole(lo)); lo++; }
            if (range.MaximumIsExclusive) { refuse.Add(Whole(hi)); hi--; }
            pass.Add(Whole(lo));
            pass.Add(Whole(hi));
            // Beyond an int's own range the value is refused too, as not a whole number of that type: also naming the key.
            refuse.Add(lo == long.MinValue ? "-9223372036854775809" : Whole(lo - 1));
            refuse.Add(hi == long.MaxValue ? "9223372036854775808" : Whole(hi + 1));
        }
        else
        {
            double lo = min, hi = max;
            if (range.MinimumIsExclusive) { refuse.Add(Text(lo)); lo = Math.BitIncrement(lo); }
            if (range.MaximumIsExclusive) { refuse.Add(Text(hi)); hi = Math.BitDecrement(hi); }
            pass.Add(Text(lo));
            pass.Add(Text(hi));
            // Just below the smallest allowed value; below -MaxValue that is -infinity, which is refused as not finite.
            refuse.Add(Text(Math.BitDecrement(lo)));
            refuse.Add(Text(Math.BitIncrement(hi)));
        }
        return (pass, refuse);

        static string Whole(long v) => v.ToString(CultureInfo.InvariantCulture);
    }

    [TestMethod]
    public void EveryNumericOptionHasARange()
    {
        var options = Options().ToList();
        Assert.IsGreaterThan(40, options.Count, "the run settings and every plugin's options were found");
        var unbounded = options.Where(o => IsNumeric(o.Property.PropertyType) && o.Property.GetCustomAttribute<RangeAttribute>() is null).ToList();
        Assert.IsEmpty(unbounded, "numeric options without [Range]: " + string.Join(", ", unbounded));
    }

    [TestMethod]
    public void EveryNumericOptionPassesAtItsBoundsAndIsRefusedByKeyBeyondThem()
    {
        var failures = new List<string>();
        int tried = 0, ranged = 0;
        foreach (var option in Options())
        {
            if (option.Property.GetCustomAttribute<RangeAttribute>() is not { } range) continue;
            ranged++;
            var (pass, refuse) = Cases(option.Property.PropertyType, range);
            foreach (var value in pass)
            {
                tried++;
                var problems = Try(option, value);
                if (problems.Count > 0) failures.Add($"{option} = {value} should pass: {string.Join("; ", problems)}");
            }
            foreach (var value in refuse)
            {
                tried++;
                var problems = Try(option, value);
                if (!problems.Any(p => p.StartsWith(option.Key + ":", StringComparison.OrdinalIgnoreCase)))
                    failures.Add($"{option} = {value} should be refused naming {option.Key}; got: {(problems.Count == 0 ? "accepted" : string.Join("; ", problems))}");
            }
        }
        Console.WriteLine($"{tried} values tried on {ranged} ranged options of the run settings and {Catalog.Entries.Count} plugins");
        Assert.IsGreaterThan(150, tried, "cases tried");
        Assert.IsEmpty(failures, string.Join("\n", failures));
    }

    [TestMethod]
    public void EveryOptionRefusesAValueOfTheWrongTypeByKey()
    {
        var failures = new List<string>();
        foreach (var option in Options())
        {
            var type = Nullable.GetUnderlyingType(option.Property.PropertyType) ?? option.Property.PropertyType;
            string? wrong = type == typeof(bool) ? "perhaps"
                : type.IsEnum ? "no-such-choice"
                : IsNumeric(type) ? (type == typeof(int) || type == typeof(long) ? "2.5" : "twelve")
                : null;
            if (wrong is null) continue;
            var problems = Try(option, wrong);
            if (!problems.Any(p => p.StartsWith($"{option.Key}: '{wrong}' is not", StringComparison.OrdinalIgnoreCase)))
                failures.Add($"{option} = {wrong}: {(problems.Count == 0 ? "accepted" : string.Join("; ", problems))}");
        }
        Assert.IsEmpty(failures, string.Join("\n", failures));
    }

    [TestMethod]
    public void EveryPluginRefusesAnUnknownOptionByKey()
    {
        foreach (var entry in Catalog.Entries)
        {
            var key = $"Run:{entry.Kind}:Options:NoSuchOption";
            var pairs = new Dictionary<string, string?>
            {
                ["Run:Model:Name"] = "mlp", ["Run:Dataset:Name"] = "synthetic", ["Run:Policy:Name"] = "full",
                [$"Run:{entry.Kind}:Name"] = entry.Name, [key] = "1",
            };
            var settings = StrictBinder.Bind<WinnowSettings>(new ConfigurationBuilder().AddInMemoryCollection(pairs).Build(), "");

            var error = Assert.ThrowsExactly<ConfigurationError>(() => RunComposer.Choose(settings.Run, Catalog), $"{entry.Kind} {entry.Name}");

            Assert.IsTrue(error.Problems.Any(p => p.StartsWith($"{key}: unknown key", StringComparison.Ordinal)), $"{entry.Name}: {error.Message}");
        }
    }

    [TestMethod]
    [DataRow("Model")]
    [DataRow("Dataset")]
    [DataRow("Scorer")]
    [DataRow("Policy")]
    public void AnUnknownPluginNameIsRefusedByKeyListingTheKnownOnes(string kind)
    {
        var pairs = new Dictionary<string, string?>
        {
            ["Run:Model:Name"] = "mlp", ["Run:Dataset:Name"] = "synthetic", ["Run:Policy:Name"] = "full", [$"Run:{kind}:Name"] = "no-such-plugin",
        };
        var settings = StrictBinder.Bind<WinnowSettings>(new ConfigurationBuilder().AddInMemoryCollection(pairs).Build(), "");

        var error = Assert.ThrowsExactly<ConfigurationError>(() => RunComposer.Choose(settings.Run, Catalog));

        StringAssert.StartsWith(error.Message, $"Run:{kind}:Name: unknown {kind.ToLowerInvariant()} plugin 'no-such-plugin'; available {kind.ToLowerInvariant()} plugins: ");
    }

    // Through the real host: the mistakes a new user makes, each refused (exit 2 for a bad configuration) with the key or file named.

    private static HostResult Host(TempFolder work, params string[] args)
    {
        FaultHost.WriteConfig(work.Path, epochs: 1);
        return FaultHost.Run(work.Path, args);
    }

    private static void AssertRefused(HostResult result, int exitCode, params string[] expected)
    {
        Assert.AreEqual(exitCode, result.ExitCode, result.ToString());
        foreach (var e in expected) StringAssert.Contains(result.Error, e, result.ToString());
        Assert.DoesNotContain("Unhandled exception", result.Error, result.ToString());
        Assert.DoesNotContain("epoch 1", result.Output, result.ToString());
    }

    [TestMethod]
    public void TheHostNamesEachBadKey()
    {
        using var work = new TempFolder();
        var result = Host(work, "--Run:Epochs=many", "--Run:LerningRate=0.1", "--Run:Momentum=1.5", "--Run:Policy:Options:KeepFraction=0", "--Run:NonFiniteLoss=ignore");

        AssertRefused(result, 2,
            "Run:Epochs: 'many' is not a whole number",
            "Run:LerningRate: unknown key (did you mean 'LearningRate'?)",
            "Run:NonFiniteLoss: 'ignore' is not a value (one of stop, skip)");
        var again = Host(work, "--Run:Momentum=1.5");
        AssertRefused(again, 2, "Run:Momentum: The field Momentum must be between 0 and 0.999999. (got 1.5)");
        var policy = Host(work, "--Run:Policy:Options:KeepFraction=0");
        AssertRefused(policy, 2, "Run:Policy:Options:KeepFraction: KeepFraction must be greater than 0 and at most 1.");
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), "nothing was created");
    }

    [TestMethod]
    public void TheHostNamesABadKeyFromTheEnvironment()
    {
        using var work = new TempFolder();
        FaultHost.WriteConfig(work.Path, epochs: 1);
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = work.Path, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(TestPaths.HostDll);
        start.Environment["WINNOW_Run__BatchSize"] = "-3";
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        AssertRefused(new HostResult(process.ExitCode, output, error.Result), 2, "Run:BatchSize: The field BatchSize must be between 1 and 1000000. (got -3)");
    }

    [TestMethod]
    public void TheHostNamesAnUnknownPlugin()
    {
        using var work = new TempFolder();
        AssertRefused(Host(work, "--Run:Model:Name=transformer"), 2, "Run:Model:Name: unknown model plugin 'transformer'; available model plugins: cnn, mlp");
    }

    [TestMethod]
    public void TheHostNamesAConfigurationFileThatIsNotJsonOrMissing()
    {
        using var work = new TempFolder();
        var file = work.Combine("broken.json");
        File.WriteAllText(file, """{ "Run": { "Epochs": 2, } """);
        AssertRefused(FaultHost.Run(work.Path, "--config", file), 2, file, "not valid JSON");
        AssertRefused(FaultHost.Run(work.Path, "--config", work.Combine("nope.json")), 2, "configuration file not found: " + work.Combine("nope.json"));
    }

    [TestMethod]
    public void TheHostNamesAPluginsDirectoryThatDoesNotExist()
    {
        using var work = new TempFolder();
        var missing = work.Combine("no-plugins-here");
        AssertRefused(Host(work, $"--Plugins:Directory={missing}"), 1, $"plugins directory not found: {missing}", "Plugins:Directory");
        var file = work.Combine("plugins.txt");
        File.WriteAllText(file, "not a folder");
        AssertRefused(Host(work, $"--Plugins:Directory={file}"), 1, $"Plugins:Directory {file} is a file; expected the folder", "Plugins:Directory");
    }

    [TestMethod]
    public void TheHostNamesAPluginFileThatIsNotADotNetAssemblyAndRunsWithTheOthers()
    {
        using var work = new TempFolder();
        var plugins = work.Combine("plugins");
        TempFolder.CopyDirectory(TestPaths.PluginsDirectory, plugins);
        var junk = Path.Combine(Directory.CreateDirectory(Path.Combine(plugins, "Junk")).FullName, "Junk.dll");
        File.WriteAllText(junk, "this is a text file renamed to .dll");
        var native = Path.Combine(Directory.CreateDirectory(Path.Combine(plugins, "Native")).FullName, "Native.dll");
        File.Copy("/bin/ls", native);

        var result = Host(work, "--Plugins:Directory=plugins");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, $"warning: {junk}: skipped, it could not be loaded", result.ToString());
        StringAssert.Contains(result.Error, $"warning: {native}: skipped, it could not be loaded", result.ToString());
        StringAssert.Contains(result.Output, "run completed", result.ToString());
    }
}
