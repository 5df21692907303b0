import HoneModels
import HoneTensor

/// What quantising a model's base did: which linear weights are now quantised, which stayed
/// float and why, and the memory before and after.
public struct QuantizationReport: Sendable {
    public var format: QuantizationFormat
    public var quantized: [String]
    public var keptFloat: [(name: String, reason: String)]
    public var bytesBefore: Int
    public var bytesAfter: Int
}

/// QLoRA's frozen base: every linear weight inside the blocks stored quantised; embeddings, the
/// output head and norms stay float32, as QLoRA keeps them.
public enum BaseQuantizer {
    public static func quantize(_ model: any LanguageModel, format: QuantizationFormat) throws -> QuantizationReport {
        if let set = model.linearHook as? AdapterSet, set.merged != nil {
            throw AdapterError("an adapter is merged into the weights; `unmerge` before quantising the base")
        }
        let before = bytes(of: model)
        var quantized: [String] = [], kept: [(String, String)] = []
        for module in model.linearModules {
            let name = module.name + ".weight"
            if model.quantizedWeights[name] != nil { quantized.append(name); continue }
            do {
                try model.quantizeWeight(name, format: format)
                quantized.append(name)
            } catch let error as QuantizationError {
                kept.append((name, error.message))
            }
        }
        return QuantizationReport(format: format, quantized: quantized, keptFloat: kept.map { (name: $0.0, reason: $0.1) },
                                  bytesBefore: before, bytesAfter: bytes(of: model))
    }

    /// The memory the model's weights take: 4 bytes per float parameter, and what each
    /// quantised matrix actually stores.
    public static func bytes(of model: any LanguageModel) -> Int {
        let quantized = model.quantizedWeights
        let quantizedCount = quantized.values.reduce(0) { $0 + $1.count }
        return (model.parameterCount - quantizedCount) * 4 + quantized.values.reduce(0) { $0 + $1.byteCount }
    }
}
