using System.Reflection;

namespace Winnow.Tests.Integration;

/// <summary>Where the build put the host and the fixture plugins (recorded by the test project, never guessed).</summary>
internal static class TestPaths
{
    public static string AppDirectory => Metadata("WinnowAppDir");
    public static string HostDll => Path.Combine(AppDirectory, "winnow.dll");
    public static string PluginsDirectory => Path.Combine(AppDirectory, "plugins");
    public static string FixturePlugin(string name) => Path.Combine(Metadata("WinnowFixturesDir"), name);

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is empty");
}

/// <summary>A folder under the system temp folder, deleted with everything in it when disposed.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "winnow-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Copies a folder's files and sub-folders into <paramref name="target"/>.</summary>
    public static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(source)) CopyDirectory(dir, System.IO.Path.Combine(target, System.IO.Path.GetFileName(dir)));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still holds a file: the folder is in temp, leave it.
        }
    }
}
