using System.Globalization;
using Winnow.Engine.Configuration;
using Winnow.Engine.Training;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Training;

[TestClass]
public sealed class LearningRateTests
{
    private static RunSettings Settings(ScheduleChoice schedule, int epochs = 10, double warmup = 0) => new()
    {
        Epochs = epochs, LearningRate = 0.1, MinLearningRate = 0.001, Schedule = schedule, WarmupEpochs = warmup,
        StepEvery = 3, StepGamma = 0.5, OneCyclePeak = 0.3,
    };

    [TestMethod]
    public void ConstantStaysAtThePeak()
    {
        foreach (var t in new[] { 0, 2.5, 9.99 }) Assert.AreEqual(0.1, LearningRates.At(Settings(ScheduleChoice.Constant), t), 1e-15);
    }

    [TestMethod]
    public void StepMultipliesEveryStepEveryEpochs()
    {
        var s = Settings(ScheduleChoice.Step);
        Assert.AreEqual(0.1, LearningRates.At(s, 2.99), 1e-15);
        Assert.AreEqual(0.05, LearningRates.At(s, 3), 1e-15);
        Assert.AreEqual(0.025, LearningRates.At(s, 6.5), 1e-15);
        Assert.AreEqual(0.0125, LearningRates.At(s, 9), 1e-15);
    }

    [TestMethod]
    public void CosineGoesFromThePeakToTheMinimum()
    {
        var s = Settings(ScheduleChoice.Cosine);
        Assert.AreEqual(0.1, LearningRates.At(s, 0), 1e-15);
        Assert.AreEqual(0.001 + 0.5 * 0.099, LearningRates.At(s, 5), 1e-12, "halfway is the mean of peak and minimum");
        Assert.AreEqual(0.001 + 0.5 * 0.099 * (1 + Math.Cos(Math.PI * 0.25)), LearningRates.At(s, 2.5), 1e-12);
        Assert.AreEqual(0.001, LearningRates.At(s, 10), 1e-12);
    }

    [TestMethod]
    public void WarmupRisesLinearlyThenTheScheduleStartsAfterIt()
    {
        var s = Settings(ScheduleChoice.Cosine, warmup: 2);
        Assert.AreEqual(0.0, LearningRates.At(s, 0), 1e-15);
        Assert.AreEqual(0.05, LearningRates.At(s, 1), 1e-15);
        Assert.AreEqual(0.1, LearningRates.At(s, 2), 1e-15);
        Assert.AreEqual(0.001 + 0.5 * 0.099, LearningRates.At(s, 6), 1e-12, "the cosine spans the 8 epochs after warm-up");
    }

    [TestMethod]
    public void OneCycleRisesFromAQuarterOfAPercentThenAnneals()
    {
        var s = Settings(ScheduleChoice.OneCycle);
        Assert.AreEqual(0.1 / 25, LearningRates.At(s, 0), 1e-15);
        Assert.AreEqual(0.1 / 25 + (0.1 - 0.1 / 25) * 0.5, LearningRates.At(s, 1.5), 1e-12);
        Assert.AreEqual(0.1, LearningRates.At(s, 3), 1e-12);
        Assert.AreEqual(0.001 + 0.5 * 0.099, LearningRates.At(s, 6.5), 1e-12);
        Assert.AreEqual(0.001, LearningRates.At(s, 10), 1e-12);
    }

    [TestMethod]
    public void APrunedRunFollowsTheFullRunsCurveOverEpochs()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, epochs: 4);
        var common = new[] { "--Run:Schedule=onecycle", "--Run:Optimizer=adamw", "--Run:LearningRate=0.01", "--Run:LabelSmoothing=0.1" };
        var full = ResumeTests.RunFolderOf(work, "full", HostProcess.Run(work.Path, ["--Run:OutputDirectory=full", "--Run:Policy:Name=full", "--Run:Policy:Options:KeepFraction=", .. common]));
        var pruned = ResumeTests.RunFolderOf(work, "pruned", HostProcess.Run(work.Path, ["--Run:OutputDirectory=pruned", "--Run:Policy:Options:KeepFraction=0.25", .. common]));

        static string[] Column(string folder, int column) => File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Skip(1).Select(l => l.Split(',')[column]).ToArray();
        CollectionAssert.AreEqual(Column(full, 1), Column(pruned, 1), "learning rate per epoch");
        CollectionAssert.AreNotEqual(Column(full, 2), Column(pruned, 2), "the pruned run trains fewer samples");
        var expected = Enumerable.Range(0, 4).Select(e => LearningRates.At(new RunSettings { Epochs = 4, LearningRate = 0.01, Schedule = ScheduleChoice.OneCycle }, e));
        CollectionAssert.AreEqual(expected.Select(v => v.ToString("G9", CultureInfo.InvariantCulture)).ToArray(), Column(full, 1));
    }
}
