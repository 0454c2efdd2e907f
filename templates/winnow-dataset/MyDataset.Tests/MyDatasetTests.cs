using MyDataset;
using Winnow;

namespace MyDataset.Tests;

/// <summary>The reader, the split and the standardisation on small files written by the tests.</summary>
[TestClass]
public sealed class MyDatasetTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), $"my-dataset-tests-{Environment.ProcessId}");

    [ClassCleanup]
    public static void RemoveFiles()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    private static string Write(string text)
    {
        var folder = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "data.csv"), text);
        return folder;
    }

    private static Dataset Open(string folder, MyDatasetOptions? options = null, int seed = 1) =>
        ((IDatasetPlugin)new MyDatasetPlugin()).Open(options ?? new MyDatasetOptions { TestFraction = 0.25 }, new DatasetContext(folder, seed));

    [TestMethod]
    public void ClassNamesAreSortedAndTheSplitsTogetherHoldEveryRowOnce()
    {
        var folder = Write("x,label,y\n1,b,10\n2,a,20\n3,b,30\n4,c,40\n5,a,50\n6,c,60\n7,b,70\n8,a,80\n");
        using var data = Open(folder);

        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, data.ClassNames.ToArray());
        Assert.AreEqual(6, data.Train.Count);
        Assert.AreEqual(2, data.Test.Count, "round(0.25·8)");
        CollectionAssert.AreEqual(new long[] { 2 }, data.SampleShape);
        var labels = data.Train.Labels.data<long>().Concat(data.Test.Labels.data<long>()).Order().ToArray();
        CollectionAssert.AreEqual(new long[] { 0, 0, 0, 1, 1, 1, 2, 2 }, labels);
    }

    [TestMethod]
    public void TheSplitIsAFunctionOfTheSeed()
    {
        var (train, test) = MyDatasetPlugin.Split(10, 0.3, seed: 5, "f");
        Assert.HasCount(7, train);
        Assert.HasCount(3, test);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).ToArray(), train.Concat(test).ToArray());
        Assert.AreEqual(string.Join(",", test), string.Join(",", MyDatasetPlugin.Split(10, 0.3, seed: 5, "f").Test));
        Assert.IsTrue(Enumerable.Range(6, 10).Any(s => string.Join(",", MyDatasetPlugin.Split(10, 0.3, s, "f").Test) != string.Join(",", test)),
            "another seed gives another split");
    }

    [TestMethod]
    public void FeaturesAreStandardisedByTheTrainingRowsOnly()
    {
        // Training rows 0 and 2: feature 0 has mean 2 and std 1 there; feature 1 is constant, so its std counts as 1.
        float[][] features = [[1f, 5f], [100f, 9f], [3f, 5f]];
        var (mean, std) = MyDatasetPlugin.Standardisation(features, [0, 2]);
        CollectionAssert.AreEqual(new[] { 2f, 5f }, mean);
        CollectionAssert.AreEqual(new[] { 1f, 1f }, std);
    }

    [TestMethod]
    [DataRow("label,x\na,1\nb,2,3\n", "data.csv:3: 3 values, but the header has 2 columns")]
    [DataRow("label,x\na,1\nb,two\n", "data.csv:3: column 'x' holds 'two', not a finite number")]
    [DataRow("label,x\na,1\nb,NaN\n", "data.csv:3: column 'x' holds 'NaN', not a finite number")]
    [DataRow("class,x\na,1\nb,2\n", "the header has no column 'label' (LabelColumn); it has class, x")]
    [DataRow("label,x\na,1\na,2\n", "2 rows of 1 class; a classifier needs at least two")]
    [DataRow("label,x\n,1\nb,2\n", "data.csv:2: the 'label' column is empty")]
    [DataRow("", "the file is empty; it needs a header row")]
    public void ABadFileIsRefusedWithTheLineAndTheProblem(string text, string message)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Open(Write(text)));
        StringAssert.Contains(e.Message, message);
    }

    [TestMethod]
    public void AMissingFileIsNamed()
    {
        var folder = Write("label,x\na,1\nb,2\n");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => Open(folder, new MyDatasetOptions { Path = "other.csv" }));
        StringAssert.Contains(e.Message, $"CSV file (Run:Dataset:Options:Path) not found: {Path.Combine(folder, "other.csv")}");
    }

    [TestMethod]
    public void AFolderWhereTheFileShouldBeIsNamedAsAFolder()
    {
        var folder = Write("label,x\na,1\nb,2\n");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Open(folder, new MyDatasetOptions { Path = "sub" }));
        StringAssert.Contains(e.Message, "is a folder; expected a file");
    }

    [TestMethod]
    public void TheSampleFileOfTheTemplateReads()
    {
        // The project copies ../data.csv beside the test assembly.
        using var data = Open(AppContext.BaseDirectory, new MyDatasetOptions());
        Assert.AreEqual(240, data.Train.Count);
        Assert.AreEqual(60, data.Test.Count);
        Assert.HasCount(3, data.ClassNames);
    }
}
