import HoneTensor

/// A GGUF's Q8_0 and Q4_0 linear weights kept in their blocks, as llama.cpp runs them: a Q8_0
/// model then takes 8.5 bits per weight in memory instead of 32, and batch-1 decoding reads
/// int8 blocks (`CompactWeightKernels`). Values are the file's, never requantised: each matrix
/// dequantises to exactly the float32 tensor `GGUFReader.tensor` gives.
extension GGUFLlama {
    /// Replaces every linear weight of `model` that `reader` stores as Q8_0 or Q4_0 with its
    /// blocks. q/k rows are reordered from `sourceLayout` to half rotation as `read` reorders
    /// the float weights; a row of blocks moves whole, so no value changes. Returns the names
    /// kept, by Hugging Face name. Embeddings, the output head and norms stay float32 (QLoRA's
    /// rule, and the head runs once per token at any batch).
    static func keepQuantizedBlocks(of reader: GGUFReader, in model: DecoderModel, sourceLayout: RotaryLayout) throws -> [String: QuantizationFormat] {
        let configuration = model.configuration, family = configuration.family
        let linear = Set(model.linearModules.map { $0.name + ".weight" })
        var kept: [String: QuantizationFormat] = [:]
        for name in reader.tensorNames {
            guard let hf = huggingFaceName(gguf: name, layout: family.traits.blockLayout, fused: family.traits.fusedProjections),
                  linear.contains(hf) else { continue }
            let (type, stored) = try reader.storedBytes(name)
            let format: QuantizationFormat
            switch type {
            case .q8_0: format = .q8_0
            case .q4_0: format = .q4_0
            default: continue
            }
            let shape = try reader.info(name).shape
            var bytes = stored
            if let heads = rotaryHeads(of: hf, configuration), sourceLayout != .halfRotation {
                bytes = reorderRows(stored, rows: shape[0], heads: heads, from: sourceLayout)
            }
            let matrix: QuantizedMatrix
            do {
                matrix = try QuantizedMatrix(ggmlBlocks: bytes, format: format, shape: shape)
            } catch let error as QuantizationError {
                throw CheckpointError(file: reader.path, tensor: name, error.message)
            }
            try model.keepWeight(hf, quantizedAs: matrix)
            kept[hf] = format
        }
        return kept
    }

    /// The head count whose rows `RotaryPermutation` reorders for this weight, or nil.
    private static func rotaryHeads(of name: String, _ configuration: DecoderConfiguration) -> Int? {
        if name.hasSuffix("self_attn.q_proj.weight") { return configuration.numAttentionHeads }
        if name.hasSuffix("self_attn.k_proj.weight") { return configuration.numKeyValueHeads }
        return nil
    }

    /// Rows of blocks in `RotaryPermutation`'s order: each row is moved whole.
    private static func reorderRows(_ bytes: [UInt8], rows: Int, heads: Int, from layout: RotaryLayout) -> [UInt8] {
        let rowBytes = rows == 0 ? 0 : bytes.count / rows
        let order = RotaryPermutation.rowOrder(heads: heads, headDim: rows / heads, from: layout, to: .halfRotation)
        var result = [UInt8](repeating: 0, count: bytes.count)
        for (newRow, oldRow) in order.enumerated() {
            result[(newRow * rowBytes)..<((newRow + 1) * rowBytes)] = bytes[(oldRow * rowBytes)..<((oldRow + 1) * rowBytes)]
        }
        return result
    }
}
