using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Runs;
using Winnow.Engine.Training;
using Winnow.Host;

return Cli.Execute(args);

namespace Winnow.Host
{
    /// <summary>The command line: <c>winnow [run|plugins|help] [--config file] [--Section:Key=value …]</c>.</summary>
    internal static class Cli
    {
        public const int Ok = 0;
        public const int Failed = 1;
        public const int BadInput = 2;

        public static int Execute(string[] args)
        {
            var command = "run";
            var configFile = "appsettings.json";
            string? runFolder = null;
            var overrides = new List<string>();
            for (var i = 0; i < args.Length; i++)
            {
                var a = args[i];
                if (a is "-h" or "--help" or "-?" or "help") return Help(Console.Out);
                if (a == "--config")
                {
                    if (i + 1 >= args.Length) return Fail(BadInput, "--config needs a file name");
                    configFile = args[++i];
                }
                else if (a.StartsWith("--config=", StringComparison.Ordinal)) configFile = a["--config=".Length..];
                else if (i == 0 && !a.StartsWith('-')) command = a;
                else if (i == 1 && command == "resume" && !a.StartsWith('-')) runFolder = a;
                else overrides.Add(a);
            }
            if (command is not ("run" or "plugins" or "resume"))
                return Fail(BadInput, $"unknown command '{command}'; the commands are run (the default), resume, plugins and help");
            if (command == "resume" && runFolder is null)
                return Fail(BadInput, "resume needs the run folder to continue: winnow resume runs/<run>");

            try
            {
                WinnowSettings settings;
                SavedSettings saved;
                RunFolder? folder = null;
                if (runFolder is not null)
                {
                    folder = RunFolder.Open(runFolder);
                    (settings, saved) = SavedSettings.Load(folder, overrides);
                }
                else
                {
                    var (loaded, raw) = SettingsLoader.Load(configFile, overrides);
                    settings = loaded;
                    saved = SavedSettings.From(raw, Path.GetDirectoryName(Path.GetFullPath(configFile))!);
                }
                var pluginDirectory = settings.Plugins.Directory.Length == 0
                    ? Path.Combine(AppContext.BaseDirectory, "plugins")
                    : Path.GetFullPath(settings.Plugins.Directory, saved.BaseDirectory);
                using var catalog = PluginCatalog.Load(pluginDirectory);
                foreach (var problem in catalog.Problems) Console.Error.WriteLine($"warning: {problem}");
                return command == "plugins" ? ListPlugins(catalog, Console.Out) : Run(settings, saved, catalog, folder);
            }
            catch (ConfigurationError e)
            {
                return Fail(BadInput, e.Message);
            }
            catch (PluginError e)
            {
                return Fail(Failed, e.Message);
            }
            catch (TrainingError e)
            {
                return Fail(Failed, e.Message);
            }
            catch (InvalidDataException e)
            {
                return Fail(Failed, e.Message);
            }
            catch (DirectoryNotFoundException e) when (runFolder is not null)
            {
                return Fail(BadInput, e.Message);
            }
            catch (IOException e)
            {
                return Fail(Failed, e.Message);
            }
            catch (OperationCanceledException)
            {
                return Fail(Failed, "cancelled; the run folder keeps every finished epoch");
            }
        }

        private static int Run(WinnowSettings settings, SavedSettings saved, PluginCatalog catalog, RunFolder? resume)
        {
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            var r = settings.Run;
            var scorer = r.Scorer.Name.Length == 0 ? "the policy's" : r.Scorer.Name;
            Console.WriteLine($"winnow: {r.Dataset.Name} / {r.Model.Name} / {r.Policy.Name} (scorer {scorer}), {r.Epochs} epochs");
            var progress = new ConsoleProgress(Console.Out);
            var (folder, summary) = resume is null
                ? RunExecutor.Start(settings, saved, catalog, progress, Console.Out, cancel.Token)
                : RunExecutor.Resume(resume, settings, saved, catalog, progress, Console.Out, cancel.Token);
            ConsoleProgress.PrintSummary(Console.Out, folder, summary);
            return Ok;
        }

        private static int ListPlugins(PluginCatalog catalog, TextWriter output)
        {
            output.WriteLine($"plugins in {catalog.Directory}");
            foreach (var kind in Enum.GetValues<PluginKind>())
            {
                output.WriteLine();
                output.WriteLine($"{PluginCatalog.Label(kind)}:");
                var entries = catalog.Entries.Where(e => e.Kind == kind).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
                if (entries.Count == 0) output.WriteLine("  (none)");
                foreach (var e in entries)
                {
                    var version = e.IsCompatible ? "" : $" [refused: contract version {e.ContractVersion}, host has {PluginContract.Version}]";
                    output.WriteLine($"  {e.Name,-16} {e.Description}{version}");
                    output.WriteLine($"  {"",-16} assembly: {Path.GetRelativePath(catalog.Directory, e.AssemblyPath)}");
                    var options = OptionsLine(e);
                    if (options.Length > 0) output.WriteLine($"  {"",-16} options: {options}");
                }
            }
            return Ok;
        }

        private static string OptionsLine(PluginEntry entry)
        {
            if (!entry.IsCompatible) return "";
            var plugin = PluginCatalog.Instantiate(entry);
            var defaults = Activator.CreateInstance(plugin.OptionsType);
            return string.Join(", ", StrictBinder.Keys(plugin.OptionsType).Select(p =>
                $"{p.Name}={StrictBinder.Format(p.GetValue(defaults))}"));
        }

        private static int Help(TextWriter o)
        {
            o.WriteLine("""
                winnow: trains a model on a dynamically chosen subset of its data each epoch.

                usage:
                  winnow [run] [--config <file>] [--<Section>:<Key>=<value> ...]   train as configured (the default command)
                  winnow resume <run folder> [--Run:StopAfterEpoch=<n>]             continue a run from its last checkpoint
                  winnow plugins [--config <file>]                                  list the loaded plugins by kind
                  winnow help                                                       this text

                configuration, each layer overriding the one before:
                  1. the JSON file (appsettings.json in the current folder, or --config <file>)
                  2. environment variables prefixed WINNOW_, with __ between sections: WINNOW_Run__Epochs=3
                  3. the command line: --Run:Epochs=3 --Run:Policy:Name=random-dynamic --Run:Policy:Options:KeepFraction=0.3

                An unknown key, a value out of range or an unknown plugin name stops the run before training.
                Every epoch ends with a checkpoint in the run folder: a run stopped by Run:StopAfterEpoch, Ctrl+C,
                a crash or a kill continues with `winnow resume <run folder>` exactly where it would have gone.
                Plugins are loaded from Plugins:Directory (default: plugins/ beside this executable), one folder each.
                Exit codes: 0 done, 1 the run failed, 2 bad configuration or input.
                """);
            return Ok;
        }

        private static int Fail(int code, string message)
        {
            Console.Error.WriteLine($"error: {message}");
            return code;
        }
    }
}
