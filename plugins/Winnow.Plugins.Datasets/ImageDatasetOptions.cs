using System.ComponentModel.DataAnnotations;

namespace Winnow.Plugins.Datasets;

/// <summary>Options every image dataset read from files shares (config section <c>Run:Dataset:Options</c>): where the files are,
/// how many samples to use, and how training batches are augmented.</summary>
public abstract class ImageDatasetOptions
{
    /// <param name="defaultPath">Where the dataset's files are installed by default.</param>
    /// <param name="augment">The default of <see cref="Augment"/>.</param>
    /// <param name="horizontalFlip">The default of <see cref="HorizontalFlip"/>.</param>
    protected ImageDatasetOptions(string defaultPath, bool augment, bool horizontalFlip)
    {
        Path = defaultPath;
        Augment = augment;
        HorizontalFlip = horizontalFlip;
    }

    /// <summary>Where the dataset is: the folder of its files (the data file itself for <c>data-file</c>); a relative path starts at the
    /// configuration file's folder.</summary>
    [Required]
    public string Path { get; set; }

    /// <summary>Use only the first this many training samples (0 = all): for quick trials. A limit above the split's size takes it all.</summary>
    [Range(0, int.MaxValue)]
    public int TrainLimit { get; set; }

    /// <summary>Use only the first this many test samples (0 = all).</summary>
    [Range(0, int.MaxValue)]
    public int TestLimit { get; set; }

    /// <summary>Augment training batches with <see cref="CropFlipAugmentation"/> (random shifted crop and horizontal flip), as set by
    /// <see cref="CropPadding"/> and <see cref="HorizontalFlip"/>. Evaluation never sees augmented data.</summary>
    public bool Augment { get; set; }

    /// <summary>The largest random shift in pixels, each direction, when <see cref="Augment"/> is on; 0 = no cropping. Default 4.</summary>
    [Range(0, CropFlipAugmentation.MaxPadding)]
    public int CropPadding { get; set; } = 4;

    /// <summary>Mirror half of the training samples left to right when <see cref="Augment"/> is on.</summary>
    public bool HorizontalFlip { get; set; }

    /// <summary>The augmentation these options ask for, or null when <see cref="Augment"/> is off or it would do nothing.</summary>
    public CropFlipAugmentation? CreateAugmentation() =>
        Augment && (CropPadding > 0 || HorizontalFlip) ? new CropFlipAugmentation(CropPadding, HorizontalFlip) : null;
}
