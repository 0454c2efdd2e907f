using System.Text.Json.Serialization;

namespace Winnow.DataFiles;

/// <summary>What a data file holds, as its header records it: the shape of one record (<c>[C, H, W]</c>, one byte per value), the class
/// names, the per-channel normalisation on the [0, 1] scale, and the record counts of the two splits.</summary>
public sealed record DataFileHeader(
    [property: JsonPropertyName("shape")] IReadOnlyList<int> Shape,
    [property: JsonPropertyName("classes")] IReadOnlyList<string> Classes,
    [property: JsonPropertyName("mean")] IReadOnlyList<float> Mean,
    [property: JsonPropertyName("std")] IReadOnlyList<float> Std,
    [property: JsonPropertyName("train")] long Train,
    [property: JsonPropertyName("test")] long Test,
    [property: JsonPropertyName("source")] string Source)
{
    /// <summary>Bytes of one record: the product of <see cref="Shape"/>.</summary>
    [JsonIgnore]
    public long RecordBytes => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The problems of a header read from a file; empty when it is consistent.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Shape is null || Shape.Count == 0 || Shape.Any(d => d <= 0)) problems.Add("shape must be a list of positive dimensions, channels first");
        if (Classes is null || Classes.Count < 2) problems.Add("a classifier needs at least two class names");
        else if (Classes.Count > ushort.MaxValue + 1) problems.Add($"{Classes.Count} classes: labels are 16-bit, at most {ushort.MaxValue + 1}");
        if (Mean is null || Std is null || Shape is null || Shape.Count == 0 || Mean.Count != Shape[0] || Std.Count != Shape[0])
            problems.Add("mean and std need one value per channel (the first dimension of shape)");
        else if (Std.Any(s => !(s > 0) || !float.IsFinite(s)) || Mean.Any(m => !float.IsFinite(m))) problems.Add("every mean must be finite and every std finite and above 0");
        if (Train <= 0 || Test <= 0) problems.Add($"both splits need records: train {Train}, test {Test}");
        return problems;
    }
}
