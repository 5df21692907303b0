import Foundation
import HoneModels
import HoneTensor
import Testing
@testable import HonePEFT

/// A random Llama with GQA and an MLP, small enough for exact comparisons.
func randomLlama(seed: UInt64 = 1) throws -> LlamaModel {
    let config = LlamaConfiguration(hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4,
                                    numKeyValueHeads: 2, vocabSize: 32, maxPositionEmbeddings: 32, tieWordEmbeddings: false)
    var random = RandomGenerator(seed: seed)
    var weights: [String: Tensor] = [:]
    for (name, shape) in config.parameterShapes {
        let isNorm = name.hasSuffix("norm.weight")
        weights[name] = Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in isNorm ? 1 : 0.3 * random.normal() })
    }
    return try LlamaModel(configuration: config, weights: weights)
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }

/// Gives every A and B (and magnitude) of `adapter` seeded random values, as the reference
/// adapters in ../shared do, so the adapter changes the output.
func randomize(_ adapter: LoRAAdapter, seed: UInt64) {
    var random = RandomGenerator(seed: seed)
    for layer in adapter.layers {
        for t in [layer.a, layer.b] {
            let values = (0..<t.count).map { _ in 0.2 * random.normal() }
            values.withUnsafeBufferPointer { t.pointer.update(from: $0.baseAddress!, count: t.count) }
        }
        if let m = layer.magnitude {
            let values = m.scalars.map { $0 * (1 + 0.1 * random.normal()) }
            values.withUnsafeBufferPointer { m.pointer.update(from: $0.baseAddress!, count: m.count) }
        }
    }
}

@Suite("LoRA and DoRA layers")
struct LoRATests {
    let tokens = [3, 1, 4, 1, 5, 9, 2, 6]

    func logits(_ model: any LanguageModel) -> [Float] { GradMode.withoutGradients { model.forward(tokens: tokens) }.scalars }

    @Test("a fresh LoRA adapter leaves the logits unchanged, bit for bit; a fresh DoRA within 1e-6")
    func freshIsIdentity() throws {
        let model = try randomLlama()
        let before = logits(model)
        let set = AdapterSet.on(model)
        try set.add(LoRAAdapter.fresh(name: "lora", settings: LoRASettings(rank: 4, alpha: 8, targets: ["all-linear"]), on: model))
        #expect(logits(model) == before)
        try set.add(LoRAAdapter.fresh(name: "dora", settings: LoRASettings(rank: 4, alpha: 8, targets: ["all-linear"], dora: true), on: model))
        #expect(maxDifference(logits(model), before) < 1e-6)
    }

    /// The model with each targeted weight replaced by `update(module, W [out, in])`.
    func reference(_ model: LlamaModel, _ adapter: LoRAAdapter, _ update: (LoRALayer, [Double], Int, Int) -> [Double]) throws -> LlamaModel {
        var weights = model.weights
        for layer in adapter.layers {
            let name = layer.module.name + ".weight"
            let w = weights[name]!.scalars.map(Double.init)
            weights[name] = Tensor(shape: [layer.module.outFeatures, layer.module.inFeatures],
                                   values: update(layer, w, layer.module.outFeatures, layer.module.inFeatures).map(Float.init))
        }
        return try LlamaModel(configuration: model.configuration, weights: weights)
    }

    /// s·B·A in Double.
    static func delta(_ layer: LoRALayer, scaling: Double) -> [Double] {
        let (a, b, r) = (layer.a.scalars.map(Double.init), layer.b.scalars.map(Double.init), layer.rank)
        let (out, inn) = (layer.module.outFeatures, layer.module.inFeatures)
        var d = [Double](repeating: 0, count: out * inn)
        for i in 0..<out { for j in 0..<inn { for k in 0..<r { d[i * inn + j] += scaling * b[i * r + k] * a[k * inn + j] } } }
        return d
    }

    @Test("with set A and B, outputs equal W + (alpha/r)·BA, and W + (alpha/√r)·BA with rsLoRA")
    func matchesFormula() throws {
        for rs in [false, true] {
            let model = try randomLlama()
            let settings = LoRASettings(rank: 4, alpha: 8, targets: ["q_proj", "v_proj", "down_proj"], rsLoRA: rs)
            let adapter = try LoRAAdapter.fresh(name: "a", settings: settings, on: model)
            randomize(adapter, seed: 7)
            try AdapterSet.on(model).add(adapter)
            let scaling = rs ? 8 / 2.0 : 8 / 4.0
            let expected = try reference(model, adapter) { layer, w, _, _ in zip(w, Self.delta(layer, scaling: scaling)).map(+) }
            let difference = maxDifference(logits(model), logits(expected))
            #expect(difference < 1e-5, "rsLoRA \(rs): \(difference)")
        }
    }

    @Test("DoRA: outputs equal m ⊙ (W + s·BA)/‖W + s·BA‖_row")
    func doraMatchesFormula() throws {
        let model = try randomLlama()
        let adapter = try LoRAAdapter.fresh(name: "d", settings: LoRASettings(rank: 2, alpha: 4, targets: ["all-linear"], dora: true), on: model)
        randomize(adapter, seed: 11)
        try AdapterSet.on(model).add(adapter)
        let expected = try reference(model, adapter) { layer, w, out, inn in
            let combined = zip(w, Self.delta(layer, scaling: 2)).map(+)
            let m = layer.magnitude!.scalars.map(Double.init)
            var result = combined
            for i in 0..<out {
                let norm = (0..<inn).map { combined[i * inn + $0] * combined[i * inn + $0] }.reduce(0, +).squareRoot()
                for j in 0..<inn { result[i * inn + j] = m[i] * combined[i * inn + j] / norm }
            }
            return result
        }
        let difference = maxDifference(logits(model), logits(expected))
        #expect(difference < 1e-5, "\(difference)")
    }

    @Test("merge then unmerge restores the weights exactly; merged and unmerged logits agree to 1e-4")
    func mergeUnmerge() throws {
        for dora in [false, true] {
            let model = try randomLlama()
            let before = model.parameters.map { $0.tensor.scalars }
            let adapter = try LoRAAdapter.fresh(name: "m", settings: LoRASettings(rank: 4, alpha: 16, targets: ["all-linear"], dora: dora), on: model)
            randomize(adapter, seed: 3)
            let set = AdapterSet.on(model)
            try set.add(adapter)
            let active = logits(model)
            try set.merge()
            #expect(maxDifference(logits(model), active) < 1e-4)
            try set.unmerge()
            #expect(model.parameters.map { $0.tensor.scalars } == before)
            #expect(maxDifference(logits(model), active) < 1e-6)
        }
    }

    @Test("disable gives the base model back exactly; enable brings the adapter back")
    func disableEnable() throws {
        let model = try randomLlama()
        let base = logits(model)
        let adapter = try LoRAAdapter.fresh(name: "x", settings: LoRASettings(rank: 2, alpha: 2, targets: ["q_proj"]), on: model)
        randomize(adapter, seed: 5)
        let set = AdapterSet.on(model)
        try set.add(adapter)
        let adapted = logits(model)
        #expect(adapted != base)
        set.isEnabled = false
        #expect(logits(model) == base)
        set.isEnabled = true
        #expect(logits(model) == adapted)
    }

    @Test("trainable parameters are r·(in + out) summed over the targets; DoRA adds out per layer")
    func parameterCounts() throws {
        let model = try randomLlama()
        let set = AdapterSet.on(model)
        try set.add(LoRAAdapter.fresh(name: "c", settings: LoRASettings(rank: 16, alpha: 32, targets: ["q_proj", "v_proj"]), on: model))
        // q: 16→16, v: 16→8 (2 kv heads of 4), 2 layers.
        let expected = 2 * (16 * (16 + 16) + 16 * (16 + 8))
        let report = ParameterReport(model: model)
        #expect(report.trainable == expected)
        #expect(report.total == model.parameterCount + expected)
        #expect(report.byModule.map(\.module) == ["q_proj", "v_proj"])
        #expect(report.byLayer.map(\.layer) == [0, 1])
        try set.add(LoRAAdapter.fresh(name: "d", settings: LoRASettings(rank: 16, alpha: 32, targets: ["q_proj", "v_proj"], dora: true), on: model))
        #expect(ParameterReport(model: model).trainable == expected + 2 * (16 + 8))
    }

    @Test("a target that matches nothing is an error naming the model's layers, with did-you-mean")
    func unknownTarget() throws {
        let model = try randomLlama()
        let error = #expect(throws: AdapterError.self) {
            _ = try LoRAAdapter.fresh(name: "t", settings: LoRASettings(targets: ["q_prj"]), on: model)
        }
        #expect(error?.hints.first == "did you mean `q_proj`?")
        #expect(error?.description.contains("gate_proj") == true)
        #expect(try LoRASettings(targets: ["*.layers.1.*"]).targetedModules(of: model).count == 7)
        #expect(try LoRASettings(targets: ["all-linear"]).targetedModules(of: model).count == 14)
    }

    @Test("gradients reach A and B, not the frozen base weights")
    func gradientsFlowToAdapter() throws {
        let model = try randomLlama()
        let adapter = try LoRAAdapter.fresh(name: "g", settings: LoRASettings(rank: 2, alpha: 4, targets: ["q_proj", "v_proj"]), on: model)
        try AdapterSet.on(model).add(adapter)
        let loss = Tensor.crossEntropy(logits: model.forward(tokens: tokens), targets: Array(tokens.dropFirst()) + [0])
        loss.backward()
        // B starts at zero, so A's gradient is zero at first; B's is not.
        #expect(adapter.layers.allSatisfy { $0.b.grad != nil })
        #expect(adapter.layers.contains { ($0.b.grad?.scalars.map(abs).max() ?? 0) > 0 })
        #expect(model.parameters.allSatisfy { $0.tensor.grad == nil })
    }

    @Test("PiSSA: outputs unchanged, B·A from W's top singular vectors, and the residual keeps the rest")
    func pissa() throws {
        let model = try randomLlama()
        let before = logits(model)
        let q = model.weights["model.layers.0.self_attn.q_proj.weight"]!
        let original = try SVD.decompose(q)
        // The decomposition rebuilds W.
        let rebuilt = original.u.matmul(Tensor(shape: [16, 16], values: (0..<256).map { $0 / 16 == $0 % 16 ? original.s[$0 % 16] : 0 })).matmul(original.vt)
        #expect(maxDifference(rebuilt.scalars, q.scalars) < 1e-4)
        let set = AdapterSet.on(model)
        try set.add(LoRAAdapter.fresh(name: "p", settings: LoRASettings(rank: 4, alpha: 8, targets: ["q_proj"], initialization: .pissa), on: model))
        #expect(maxDifference(logits(model), before) < 1e-4)
        // The residual's largest singular value is W's fifth: the top 4 moved into the adapter.
        let residual = try SVD.decompose(model.weights["model.layers.0.self_attn.q_proj.weight"]!)
        #expect(abs(residual.s[0] - original.s[4]) < 1e-4 * original.s[0])
    }
}
