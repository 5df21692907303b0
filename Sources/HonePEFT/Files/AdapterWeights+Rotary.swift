// An adapter's q/k modules follow their base model's rotary layout. The update to a q_proj or
// k_proj weight is ΔW = s·B·A, whose rows are B's rows; permuting the base weight's rows (as
// RotaryPermutation does between Hugging Face's half rotation and GGUF's interleaved layout)
// therefore permutes B's rows the same way and leaves A alone. A DoRA magnitude holds one value
// per output row, so it moves with B.
import HoneModels
import HoneTensor

extension AdapterWeights {
    /// Whether `module` is a query or key projection, whose rows follow the rotary layout.
    /// Returns the part name (`q_proj` / `k_proj`), or nil.
    static func rotaryPart(of module: String) -> String? {
        for part in ["q_proj", "k_proj"] where module == "self_attn." + part || module.hasSuffix(".self_attn." + part) {
            return part
        }
        return nil
    }

    /// This adapter with the q_proj B rows permuted for `heads` query heads and the k_proj B
    /// rows for `kvHeads` key/value heads, from `rotaryLayout` to `target`; magnitudes of those
    /// modules move with the rows, every A and every other module is unchanged. The head size is
    /// B's row count over the head count. Throws when a module's rows do not split into its heads.
    public func permutedForRotary(heads: Int, kvHeads: Int, to target: RotaryLayout) throws -> AdapterWeights {
        guard target != rotaryLayout else { return self }
        var result = self
        for (name, module) in modules {
            guard let part = Self.rotaryPart(of: name) else { continue }
            let count = part == "q_proj" ? heads : kvHeads
            let rows = module.b.shape[0]
            guard count > 0, rows % count == 0, (rows / count) % 2 == 0 else {
                throw CheckpointError(file: "<adapter>", tensor: name + ".lora_B",
                    "has \(rows) output rows, which do not split into \(count) heads of an even size; the rotary layout cannot be converted")
            }
            var moved = module
            moved.b = RotaryPermutation.permute(module.b, heads: count, from: rotaryLayout, to: target)
            if let m = module.magnitude {
                moved.magnitude = RotaryPermutation.permute(m, heads: count, from: rotaryLayout, to: target)
            }
            result.modules[name] = moved
        }
        result.rotaryLayout = target
        return result
    }

    /// `permutedForRotary(heads:kvHeads:to:)` with the head counts of a Llama configuration.
    public func permutedForRotary(_ configuration: LlamaConfiguration, to target: RotaryLayout) throws -> AdapterWeights {
        try permutedForRotary(heads: configuration.numAttentionHeads, kvHeads: configuration.numKeyValueHeads, to: target)
    }
}
