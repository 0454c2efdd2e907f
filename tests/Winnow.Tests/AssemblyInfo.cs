// TorchSharp tests share libtorch's thread pool and two cores: running them in parallel only oversubscribes.
[assembly: Microsoft.VisualStudio.TestTools.UnitTesting.DoNotParallelize]

namespace Winnow.Tests
{
    [TestClass]
    public static class TestProcess
    {
        /// <summary>The test process trains in-process as the host does: freed tensor memory kept for reuse, set before the first tensor.</summary>
        [AssemblyInitialize]
        public static void Start(TestContext _) => Winnow.Engine.Training.NativeMemory.Configure(reuse: true);
    }
}
