using Winnow.Engine.Core;

namespace Winnow.Engine.Plugins;

/// <summary>A plugin could not be loaded or used; the message names the plugin, its file and the call that failed.</summary>
public sealed class PluginError(string message, Exception? inner = null) : WinnowError(message, inner);
