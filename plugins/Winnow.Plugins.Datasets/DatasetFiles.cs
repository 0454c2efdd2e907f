namespace Winnow.Plugins.Datasets;

/// <summary>Finding a dataset's files so that every way of not finding one gets its own message: a folder that is missing, a
/// folder that cannot be read, a file that is missing, a name that is a folder, a file that cannot be read.</summary>
internal static class DatasetFiles
{
    /// <summary>Checks that <paramref name="directory"/> exists and can be listed.</summary>
    /// <exception cref="DirectoryNotFoundException">it does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">it exists but cannot be read.</exception>
    public static void CheckFolder(string directory, string displayName, string installHint)
    {
        var kind = UserPaths.KindOf(directory);
        if (kind == PathKind.Missing)
            throw new DirectoryNotFoundException($"{displayName} folder not found: {directory}. To get the data, {installHint}.");
        // Not "not found": the path is there, it is just not the folder of files the dataset reads.
        if (kind != PathKind.Directory)
            throw new InvalidDataException($"{displayName} Path {directory} is {UserPaths.Describe(kind)}; set Run:Dataset:Options:Path to the folder that holds the {displayName} files");
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(directory).GetEnumerator();
            entries.MoveNext();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new UnauthorizedAccessException($"{displayName} folder {directory} cannot be read ({e.Message}); give this user read and search " +
                                                  "permission on it (chmod a+rx), or set Run:Dataset:Options:Path to a readable copy", e);
        }
    }

    /// <summary>Why <paramref name="path"/> cannot be opened although the folder was checked, or null when it simply does not exist.</summary>
    public static string? WhyNotAFile(string path)
    {
        var kind = UserPaths.KindOf(path);
        if (kind is not (PathKind.Missing or PathKind.File)) return $"{path} is {UserPaths.Describe(kind)}, not a file";
        var folder = Path.GetDirectoryName(path)!;
        try
        {
            // Listed but not found by name: the folder can be listed but not searched (no x permission), so no file in it opens.
            if (Directory.EnumerateFileSystemEntries(folder, Path.GetFileName(path)).Any())
                return $"{path} exists but cannot be opened: permission denied on its folder {folder} (give this user search permission: chmod a+x)";
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return $"{path} cannot be checked: {e.Message}";
        }
        return null;
    }

    /// <summary>Whether <paramref name="path"/> is a regular file a reader can open without waiting or reading forever.</summary>
    public static bool IsFile(string path) => UserPaths.KindOf(path) == PathKind.File;
}
