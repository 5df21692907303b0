import Foundation
import HoneModels
import HoneTensor
import Testing

@testable import HonePEFT

/// The shared model files (`../shared/models` beside the package checkout), found relative to
/// this source file; tests that need them are skipped with a message when they are absent.
enum AdapterFixtures {
    static let directory: String = {
        let file = URL(fileURLWithPath: #filePath)  // …/Tests/HonePEFTTests/AdapterFileSupport.swift
        let package = file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.deletingLastPathComponent().appendingPathComponent("shared/models").path
    }()

    static func path(_ relative: String) -> String { directory + "/" + relative }

    static func has(_ relative: String) -> Bool {
        let found = FileManager.default.fileExists(atPath: path(relative))
        if !found { print("skipping: \(path(relative)) is absent (the shared models are not checked out beside the package)") }
        return found
    }

    static func missingReason(_ relative: String) -> Comment {
        "\(path(relative)) is absent: the shared models are not checked out beside the package"
    }

    static func json(_ relative: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(relative)))) as! [String: Any]
    }

    /// A fresh empty directory under the system temporary directory.
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "hone-adapter-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Removes the directory `temporaryDirectory` made that holds `path`.
    static func removeTemporary(_ path: String) {
        var url = URL(fileURLWithPath: path)
        while !url.lastPathComponent.hasPrefix("hone-adapter-") && url.pathComponents.count > 1 { url.deleteLastPathComponent() }
        if url.lastPathComponent.hasPrefix("hone-adapter-") { try? FileManager.default.removeItem(at: url) }
    }

    /// A tensor of `shape` with deterministic, distinct values.
    static func tensor(_ shape: [Int], seed: Int) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<count).map { Float(sin(Double($0 * 7 + seed * 131 + 1))) * 0.5 })
    }

    /// A small Llama: hidden 8, 2 query heads and 1 key/value head of size 4, MLP 16, 2 layers.
    static let tinyLlama = LlamaConfiguration(
        hiddenSize: 8, intermediateSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, numKeyValueHeads: 1,
        vocabSize: 32, maxPositionEmbeddings: 64, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true)

    /// An adapter for `tinyLlama` on the given projections (rank 4), with magnitudes for DoRA.
    static func tinyAdapter(targets: [String] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                            rank: Int = 4, alpha: Double = 8, rsLoRA: Bool = false, dora: Bool = false) -> AdapterWeights {
        let c = tinyLlama
        let shapes: [String: (part: String, out: Int, in: Int)] = [
            "q_proj": ("self_attn", c.queryDim, c.hiddenSize), "k_proj": ("self_attn", c.kvDim, c.hiddenSize),
            "v_proj": ("self_attn", c.kvDim, c.hiddenSize), "o_proj": ("self_attn", c.hiddenSize, c.queryDim),
            "gate_proj": ("mlp", c.intermediateSize, c.hiddenSize), "up_proj": ("mlp", c.intermediateSize, c.hiddenSize),
            "down_proj": ("mlp", c.hiddenSize, c.intermediateSize),
        ]
        var modules: [String: AdapterModule] = [:]
        var seed = 0
        for layer in 0..<c.numHiddenLayers {
            for target in targets {
                let s = shapes[target]!
                seed += 1
                modules["model.layers.\(layer).\(s.part).\(target)"] = AdapterModule(
                    a: tensor([rank, s.in], seed: seed), b: tensor([s.out, rank], seed: seed + 1000),
                    magnitude: dora ? tensor([s.out], seed: seed + 2000) : nil)
            }
        }
        let configuration = AdapterConfiguration(
            rank: rank, alpha: alpha, dropout: 0.05, targetModules: targets.sorted(), useRSLoRA: rsLoRA, useDoRA: dora,
            baseModelNameOrPath: "tiny-llama")
        return AdapterWeights(configuration: configuration, modules: modules)
    }

    /// B·A as a row-major [out, in] array, in Double.
    static func product(_ b: Tensor, _ a: Tensor) -> [Double] {
        let (out, r, inner) = (b.shape[0], b.shape[1], a.shape[1])
        let bv = b.scalars, av = a.scalars
        var result = [Double](repeating: 0, count: out * inner)
        for i in 0..<out {
            for k in 0..<r {
                let bik = Double(bv[i * r + k])
                for j in 0..<inner { result[i * inner + j] += bik * Double(av[k * inner + j]) }
            }
        }
        return result
    }

    /// The base weights with `adapter` merged as PEFT merges it: W + s·B·A, or for DoRA
    /// m ⊙ (W + s·B·A) / ‖W + s·B·A‖_row (ANCHORS §3.1, §3.2).
    static func merged(_ weights: [String: Tensor], _ adapter: AdapterWeights) -> [String: Tensor] {
        var result = weights
        let s = adapter.configuration.scaling
        for (module, m) in adapter.modules {
            let w = weights[module + ".weight"]!
            let (out, inner) = (w.shape[0], w.shape[1])
            let delta = product(m.b, m.a)
            var values = zip(w.scalars, delta).map { Double($0) + s * $1 }
            if let magnitude = m.magnitude?.scalars {
                for i in 0..<out {
                    let row = values[(i * inner)..<((i + 1) * inner)]
                    let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    for j in 0..<inner { values[i * inner + j] *= Double(magnitude[i]) / norm }
                }
            }
            result[module + ".weight"] = Tensor(shape: w.shape, values: values.map { Float($0) })
        }
        return result
    }

    /// The last-position logits of the stories260K-hf base with `adapter` merged, for `tokens`.
    static func mergedLogits(_ adapter: AdapterWeights, tokens: [Int]) throws -> [Float] {
        let (configuration, weights, file) = try HuggingFaceDirectory.readLlama(path: path("stories260K-hf"))
        let model = try LlamaModel(configuration: configuration, weights: merged(weights, adapter), file: file)
        let logits = model.forward(tokens: tokens).scalars
        return Array(logits.suffix(configuration.vocabSize))
    }

    static func maxDifference(_ x: [Float], _ y: [Float]) -> Float {
        precondition(x.count == y.count)
        return zip(x, y).map { abs($0 - $1) }.max() ?? 0
    }

    /// A PEFT directory holding `tinyAdapter()` as hone writes it, with adapter_config.json
    /// then edited by `edit`, for refusal tests.
    static func editedAdapter(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let directory = try temporaryDirectory("edited") + "/adapter"
        try PEFTAdapterFile.write(tinyAdapter(targets: ["q_proj", "v_proj"]), to: directory)
        let configURL = URL(fileURLWithPath: directory + "/adapter_config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: configURL)
        return directory
    }
}
