using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Winnow.Plugins.Models;

/// <summary>A classifier that offers DynaMS's parameter-sharing proxy (<see cref="IProxyModel"/>): enabling it registers the proxy's own head
/// (<c>proxy_head</c>, sized by <see cref="ProxyFeatures"/>), and the model says how its sliced layers run.</summary>
/// <remarks>A second <see cref="EnableProxy"/> with the same width changes nothing; with another width it throws
/// <see cref="InvalidOperationException"/>, because the head was registered for the first width and may already be optimised.</remarks>
public abstract class SlicedClassifier(string name) : Classifier(name), IProxyModel
{
    // Registered by EnableProxy as "proxy_head"; null until then, so RegisterComponents never sees it.
    private Linear? _proxyHead;
    private double? _proxyWidth;

    /// <summary>The model's own head: the proxy head takes its device and element type.</summary>
    protected abstract Linear Head { get; }

    /// <summary>The width of the sliced penultimate layer, the proxy head's input, for <paramref name="width"/>.</summary>
    protected abstract long ProxyFeatures(double width);

    /// <summary>The proxy's forward pass on the layers sliced to <paramref name="width"/>, ending in <paramref name="proxyHead"/>.</summary>
    protected abstract ClassifierOutput ForwardProxy(Tensor input, double width, Linear proxyHead);

    public bool EnableProxy(double width)
    {
        if (!ParameterSharingProxy.MustBuild(GetName(), _proxyWidth, width)) return true;
        var created = ParameterSharingProxy.CreateHead(ProxyFeatures(width), Head);
        created.train(training);
        register_module(ParameterSharingProxy.HeadName, created);
        _proxyHead = created;
        _proxyWidth = width;
        return true;
    }

    public ClassifierOutput ForwardProxy(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_proxyHead is null || _proxyWidth is not { } width) throw ParameterSharingProxy.NotEnabled(GetName());
        return ForwardProxy(input, width, _proxyHead);
    }
}
