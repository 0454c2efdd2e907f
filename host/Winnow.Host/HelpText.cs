namespace Winnow.Host;

internal static class HelpText
{
    public static int Write(TextWriter o)
    {
        o.WriteLine("""
            winnow: trains a model on a dynamically chosen subset of its data each epoch.

            usage:
              winnow [run] [--config <file>] [--<Section>:<Key>=<value> ...]   train as configured (the default command)
              winnow resume <run folder> [--Run:StopAfterEpoch=<n>]             continue a run from its last checkpoint
              winnow plugins [--config <file>]                                  list the loaded plugins by kind
              winnow sweep <sweep file> [--dry-run] [--output <folder>]         run every combination of a sweep, then its report
              winnow report <sweep folder | run folder>                         the comparison report of a sweep, or a run's plot
              winnow bench [--quick] [--only=a,b] [--output=<file.md>]          the performance benchmarks against their targets
              winnow help                                                       this text

            commands:
              run      Reads the configuration, loads the plugins, checks every name and option, then trains. Each run gets a
                       new folder under Run:OutputDirectory (default runs/) with config.json, metrics.csv, selection.csv,
                       selection-counts.csv, summary.json and the last checkpoint.
              resume   Continues a run folder from its last checkpoint with the settings it was started with. Only
                       Plugins:Directory, Run:StopAfterEpoch and Run:Device may change: a fixed plugin can be dropped into
                       another folder and the run continued with --Plugins:Directory=<folder>.
              plugins  Lists every plugin in the plugins folder by kind (model, dataset, scorer, policy) with its description,
                       assembly, version and contract version, and each option with its default, type, allowed values and
                       description (from the plugin's XML documentation). Works without a configuration file.
              sweep    Runs every combination of a sweep file (a base configuration and lists of values to vary) in one process,
                       each in its own run folder, then writes report.md, report.csv and plots/ in the sweep folder. Started
                       again, it skips finished runs and resumes a stopped or killed one. --dry-run lists and checks the runs.
              report   Writes a sweep folder's comparison table and plots again, or a run folder's accuracy-and-loss plot.
              bench    Measures engine overhead, pruning speed-up, selection time, the data path and memory, each printed next
                       to its target (--quick: about two minutes; --only=selection,overhead,speedup,datapath,memory).

            configuration, each layer overriding the one before:
              1. the JSON file (appsettings.json in the current folder, or --config <file>)
              2. environment variables prefixed WINNOW_, with __ between sections: WINNOW_Run__Epochs=3
              3. the command line: --Run:Epochs=3 --Run:Policy:Name=random-dynamic --Run:Policy:Options:KeepFraction=0.3
                 (or --Run:Epochs 3; an empty value clears a key: --Run:Policy:Options:KeepFraction=)

            overriding options from the command line:
              A key is its path in the JSON file with ':' between sections: --Run:BatchSize=64. Each plugin's options
              live under its section's Options:
                --Run:Model:Options:<Key>=<value>     --Run:Dataset:Options:<Key>=<value>
                --Run:Scorer:Options:<Key>=<value>    --Run:Policy:Options:<Key>=<value>
              `winnow plugins` shows every plugin's keys. To switch plugins, clear the keys the file set for the old one
              that the new one does not have:
                winnow --Run:Dataset:Name=synthetic --Run:Dataset:Options:Path= --Run:Dataset:Options:TrainSize=5000
              Relative paths (Plugins:Directory, Run:OutputDirectory, a dataset's Path) start at the configuration file's folder.

            An unknown key, a value out of range or an unknown plugin name stops the run before training.
            Every epoch ends with a checkpoint in the run folder: a run stopped by Run:StopAfterEpoch, Ctrl+C,
            a crash or a kill continues with `winnow resume <run folder>` exactly where it would have gone.
            Plugins are loaded from Plugins:Directory (default: plugins/ beside this executable), one folder each.
            A plugin that throws, returns a bad plan or was built against another contract version stops the run with
            a message naming it and what it did; the checkpoint of the last finished epoch stays usable.
            Write a plugin of your own: templates/winnow-policy in the repository (dotnet new install ./templates/winnow-policy).
            Exit codes: 0 done, 1 the run failed, 2 bad configuration or input.
            """);
        return Cli.Ok;
    }
}
