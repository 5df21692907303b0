import HoneModels
import HoneTensor

extension LoRAAdapter {
    /// The adapter as adapter files hold it: PEFT's configuration and A/B (and magnitude) per
    /// module, with q/k rows in Hugging Face's half-rotation layout whatever the model holds.
    public func fileWeights(for model: any LanguageModel, baseModel: String? = nil) throws -> AdapterWeights {
        let s = settings
        let configuration = AdapterConfiguration(
            rank: s.rank, alpha: s.alpha, dropout: s.dropout,
            targetModules: Array(Set(layers.map(\.module.shortName))).sorted(),
            useRSLoRA: s.rsLoRA, useDoRA: s.dora, fanInFanOut: layers.first?.module.storesTransposed ?? false,
            baseModelNameOrPath: baseModel)
        var modules: [String: AdapterModule] = [:]
        for layer in layers {
            modules[layer.module.name] = AdapterModule(a: layer.a.detached().contiguous(), b: layer.b.detached().contiguous(),
                                                       magnitude: layer.magnitude?.detached().contiguous())
        }
        let llama = model as? LlamaModel
        let weights = AdapterWeights(configuration: configuration, modules: modules,
                                     rotaryLayout: llama?.configuration.rotaryLayout ?? .halfRotation)
        guard let llama, llama.configuration.rotaryLayout != .halfRotation else { return weights }
        return try weights.permutedForRotary(llama.configuration, to: .halfRotation)
    }

    /// An adapter from file weights, fitted to `model`: q/k rows permuted to the model's rotary
    /// layout, every module checked against the model's linear layers. A module the model lacks,
    /// or a tensor of the wrong shape, is refused naming it and both shapes.
    public static func from(_ file: AdapterWeights, name: String, on model: any LanguageModel, seed: UInt64 = 0) throws -> LoRAAdapter {
        var file = file
        if let llama = model as? LlamaModel, file.rotaryLayout != llama.configuration.rotaryLayout {
            file = try file.permutedForRotary(llama.configuration, to: llama.configuration.rotaryLayout)
        }
        let c = file.configuration
        let settings = LoRASettings(rank: c.rank, alpha: c.alpha, dropout: c.dropout, targets: c.targetModules,
                                    rsLoRA: c.useRSLoRA, dora: c.useDoRA, seed: seed)
        let byName = Dictionary(model.linearModules.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var layers: [LoRALayer] = []
        for (index, moduleName) in file.moduleNames.enumerated() {
            let part = file.modules[moduleName]!
            guard let module = byName[moduleName] else {
                let near = LoRASettings.nearest(moduleName, among: Array(byName.keys))
                throw AdapterError("the adapter has a module `\(moduleName)`, which this model does not have",
                                   hints: near.map { ["did you mean `\($0)`? (the adapter may be for another model)"] } ?? ["the adapter is for another model"])
            }
            let expected: [(String, Tensor?, [Int])] = [
                ("lora_A", part.a, [c.rank, module.inFeatures]), ("lora_B", part.b, [module.outFeatures, c.rank]),
                ("lora_magnitude_vector", part.magnitude, [module.outFeatures]),
            ]
            for (tensorName, tensor, shape) in expected {
                if let tensor, tensor.shape != shape {
                    throw AdapterError("`\(moduleName).\(tensorName)` has shape \(tensor.shape) but this model's \(moduleName) needs \(shape)",
                                       hints: ["the adapter was made for a model of another shape"])
                }
            }
            if c.useDoRA && part.magnitude == nil {
                throw AdapterError("`\(moduleName)` has no lora_magnitude_vector, which a DoRA adapter needs")
            }
            let copies = [part.a, part.b].map { $0.contiguous().converted(to: .float32).detachedCopy() }
            let magnitude = part.magnitude.map { $0.contiguous().converted(to: .float32).detachedCopy() }
            for t in copies + (magnitude.map { [$0] } ?? []) { t.requiresGrad = true }
            layers.append(LoRALayer(module: module, a: copies[0], b: copies[1], magnitude: magnitude,
                                    scaling: Float(c.scaling), dropout: Float(c.dropout), seed: seed &+ UInt64(index) &* 0x9E37_79B9))
        }
        let order = Dictionary(model.linearModules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        layers.sort { order[$0.module.name]! < order[$1.module.name]! }
        return LoRAAdapter(name: name, settings: settings, layers: layers)
    }
}

extension Tensor {
    /// A copy with its own storage, so training the copy never writes into what it came from.
    func detachedCopy() -> Tensor {
        let copy = Tensor(shape: shape, values: contiguous().scalars)
        return copy
    }
}
