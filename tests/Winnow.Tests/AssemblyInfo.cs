// TorchSharp tests share libtorch's thread pool and two cores: running them in parallel only oversubscribes.
[assembly: Microsoft.VisualStudio.TestTools.UnitTesting.DoNotParallelize]
