// Converts q/k projection weights between the two rotary layouts in circulation:
//
// * interleaved (Meta's original Llama, llama2.c, GGUF): within each head, RoPE rotates the
//   pairs (x[2i], x[2i+1]);
// * half rotation (Hugging Face `rotate_half`): within each head of size d, RoPE rotates the
//   pairs (x[i], x[i + d/2]).
//
// Both describe the same model once the rows of q_proj/k_proj (and any q/k bias) are reordered
// per head. This is the row permutation of transformers' `convert_llama_weights_to_hf.py`
// (`permute`): for each head, new row j < d/2 takes old row 2j and new row d/2 + j takes old
// row 2j + 1. The two directions are exact inverses; values are moved, never recomputed.
import HoneTensor

public enum RotaryPermutation {
    /// The row order that takes `layout` rows to `target` rows: `result[newRow] = oldRow`,
    /// for `heads` heads of `headDim` rows each. Identity when the layouts are equal.
    public static func rowOrder(heads: Int, headDim: Int, from layout: RotaryLayout, to target: RotaryLayout) -> [Int] {
        precondition(heads > 0 && headDim > 0 && headDim % 2 == 0, "RotaryPermutation: need heads > 0 and an even head size, got \(heads) × \(headDim)")
        var order = Array(0..<(heads * headDim))
        if layout == target { return order }
        let half = headDim / 2
        for h in 0..<heads {
            let base = h * headDim
            for j in 0..<half {
                if target == .halfRotation {  // interleaved → half rotation
                    order[base + j] = base + 2 * j
                    order[base + half + j] = base + 2 * j + 1
                } else {  // half rotation → interleaved
                    order[base + 2 * j] = base + j
                    order[base + 2 * j + 1] = base + half + j
                }
            }
        }
        return order
    }

    /// `weight` ([heads*headDim, in], or a [heads*headDim] bias) with its rows reordered from
    /// `layout` to `target`. The head size is `weight.shape[0] / heads`, which must be even.
    public static func permute(_ weight: Tensor, heads: Int, from layout: RotaryLayout, to target: RotaryLayout) -> Tensor {
        precondition(weight.shape.count >= 1 && heads > 0 && weight.shape[0] % heads == 0,
                     "RotaryPermutation: \(weight.shape[0]) rows do not split into \(heads) heads")
        let rows = weight.shape[0]
        let headDim = rows / heads
        if layout == target { return weight }
        let width = weight.shape.dropFirst().reduce(1, *)
        let order = rowOrder(heads: heads, headDim: headDim, from: layout, to: target)
        let old = weight.converted(to: .float32).scalars
        var values = [Float](repeating: 0, count: old.count)
        old.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for (newRow, oldRow) in order.enumerated() {
                    for i in 0..<width { dst[newRow * width + i] = src[oldRow * width + i] }
                }
            }
        }
        let result = Tensor(shape: weight.shape, values: values)
        result.name = weight.name
        return result
    }

    /// Interleaved (llama2.c/GGUF/Meta) rows → Hugging Face half-rotation rows.
    public static func toHalfRotation(_ weight: Tensor, heads: Int) -> Tensor {
        permute(weight, heads: heads, from: .interleaved, to: .halfRotation)
    }

    /// Hugging Face half-rotation rows → interleaved (llama2.c/GGUF/Meta) rows.
    public static func toInterleaved(_ weight: Tensor, heads: Int) -> Tensor {
        permute(weight, heads: heads, from: .halfRotation, to: .interleaved)
    }

    /// Every q/k projection weight (and bias, when present) of a Llama weight map, permuted from
    /// `configuration.rotaryLayout` to `target`, with the configuration that now describes them.
    public static func convert(
        weights: [String: Tensor], configuration: LlamaConfiguration, to target: RotaryLayout
    ) -> (LlamaConfiguration, [String: Tensor]) {
        var configuration = configuration
        let source = configuration.rotaryLayout
        guard source != target else { return (configuration, weights) }
        var weights = weights
        for layer in 0..<configuration.numHiddenLayers {
            let p = "model.layers.\(layer).self_attn."
            for (part, heads) in [("q_proj", configuration.numAttentionHeads), ("k_proj", configuration.numKeyValueHeads)] {
                for suffix in [".weight", ".bias"] {
                    if let w = weights[p + part + suffix] {
                        weights[p + part + suffix] = permute(w, heads: heads, from: source, to: target)
                    }
                }
            }
        }
        configuration.rotaryLayout = target
        return (configuration, weights)
    }
}
