import HoneModels

/// PEFT's `print_trainable_parameters`, with the breakdown a learner wants: how many parameters
/// train, out of how many, and where they sit.
public struct ParameterReport: Sendable {
    public var trainable: Int
    /// Base weights plus the adapter's (PEFT counts both, a tied embedding once).
    public var total: Int
    /// Trainable parameters per layer index (-1 for modules outside the blocks), in order.
    public var byLayer: [(layer: Int, count: Int)]
    /// Trainable parameters per module kind ("q_proj": …), in the model's order.
    public var byModule: [(module: String, count: Int)]
    public var adapterName: String?

    public var share: Double { total > 0 ? Double(trainable) / Double(total) : 0 }

    /// The report for `model` with its active adapter (all weights train when it has none).
    public init(model: any LanguageModel) {
        let base = model.parameterCount
        let set = model.linearHook as? AdapterSet
        guard let adapter = set?.active, set?.merged == nil else {
            trainable = base
            total = base
            byLayer = []
            byModule = []
            adapterName = nil
            return
        }
        adapterName = adapter.name
        trainable = adapter.parameterCount
        total = base + adapter.parameterCount
        var layers: [(Int, Int)] = [], modules: [(String, Int)] = []
        for layer in adapter.layers {
            let parts = layer.module.name.split(separator: ".")
            let index = parts.firstIndex { $0 == "layers" || $0 == "h" }.flatMap { i in i + 1 < parts.count ? Int(parts[i + 1]) : nil } ?? -1
            if let last = layers.indices.last, layers[last].0 == index { layers[last].1 += layer.parameterCount } else { layers.append((index, layer.parameterCount)) }
            let kind = layer.module.shortName
            if let i = modules.firstIndex(where: { $0.0 == kind }) { modules[i].1 += layer.parameterCount } else { modules.append((kind, layer.parameterCount)) }
        }
        byLayer = layers.map { (layer: $0.0, count: $0.1) }
        byModule = modules.map { (module: $0.0, count: $0.1) }
    }
}
