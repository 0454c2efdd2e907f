using Winnow.Engine.Core;

namespace Winnow.Engine.Training;

/// <summary>The training stopped on a numerical fault; the message names the epoch and step.</summary>
public sealed class TrainingError(string message, Exception? inner = null) : WinnowError(message, inner);
