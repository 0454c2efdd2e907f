using Winnow.Engine.Core;
using Winnow.Host;

// The process's own surroundings can fail before any command runs: say so in one line.
if (ProcessSurroundings.Problem() is { } problem)
{
    Console.Error.WriteLine($"error: {problem}");
    return ExitCodes.BadInput;
}

try
{
    return Cli.Execute(args);
}
catch (Exception e)
{
    // A failure no message was written for is a bug of Winnow's: one line here, the whole trace in a file for the report.
    var trace = Path.Combine(Path.GetTempPath(), $"winnow-failure-{Environment.ProcessId}.txt");
    try
    {
        File.WriteAllText(trace, e.ToString());
    }
    catch (Exception write) when (write is IOException or UnauthorizedAccessException)
    {
        trace = "(it could not be written)";
    }
    try
    {
        Console.Error.WriteLine($"error: an unexpected failure: {e.GetType().Name}: {e.Message} (the details are in {trace}; please report it)");
    }
    catch (IOException)
    {
        // Standard error is gone too: the exit code is all that is left to say it.
    }
    return ExitCodes.Failed;
}
