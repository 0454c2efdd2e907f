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
              winnow help                                                       this text

            configuration, each layer overriding the one before:
              1. the JSON file (appsettings.json in the current folder, or --config <file>)
              2. environment variables prefixed WINNOW_, with __ between sections: WINNOW_Run__Epochs=3
              3. the command line: --Run:Epochs=3 --Run:Policy:Name=random-dynamic --Run:Policy:Options:KeepFraction=0.3
                 (an empty value clears a key: --Run:Policy:Options:KeepFraction=)

            An unknown key, a value out of range or an unknown plugin name stops the run before training.
            Every epoch ends with a checkpoint in the run folder: a run stopped by Run:StopAfterEpoch, Ctrl+C,
            a crash or a kill continues with `winnow resume <run folder>` exactly where it would have gone.
            Plugins are loaded from Plugins:Directory (default: plugins/ beside this executable), one folder each.
            Exit codes: 0 done, 1 the run failed, 2 bad configuration or input.
            """);
        return Cli.Ok;
    }
}
