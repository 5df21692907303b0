import Foundation
import HoneTensor
@testable import HoneModels
import Testing

/// `LlamaModel.randomlyInitialized`: Hugging Face's initial distribution, and one model per seed.
@Suite("Llama: random initialisation")
struct LlamaInitializationTests {
    static let configuration = LlamaConfiguration(hiddenSize: 64, intermediateSize: 192, numHiddenLayers: 2, numAttentionHeads: 4,
                                                  numKeyValueHeads: 2, vocabSize: 300, maxPositionEmbeddings: 64)

    @Test("linear and embedding weights have mean 0 and std 0.02; RMSNorm weights are one")
    func distribution() throws {
        let model = try LlamaModel.randomlyInitialized(configuration: Self.configuration, seed: 1)
        for (name, tensor) in model.weights {
            let values = tensor.scalars
            if name.hasSuffix("norm.weight") {
                #expect(values.allSatisfy { $0 == 1 }, "\(name)")
                continue
            }
            let mean = values.reduce(0, +) / Float(values.count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
            #expect(abs(mean) < 0.003 && abs(std - 0.02) < 0.002, "\(name): mean \(mean), std \(std)")
        }
        #expect(model.weights["lm_head.weight"] == nil, "tied embeddings have no separate output matrix")
    }

    @Test("the same seed gives the same weights; another seed different ones")
    func seeded() throws {
        let a = try LlamaModel.randomlyInitialized(configuration: Self.configuration, seed: 7)
        let b = try LlamaModel.randomlyInitialized(configuration: Self.configuration, seed: 7)
        let c = try LlamaModel.randomlyInitialized(configuration: Self.configuration, seed: 8)
        let name = "model.layers.1.mlp.down_proj.weight"
        #expect(a.weights[name]!.scalars == b.weights[name]!.scalars)
        #expect(a.weights[name]!.scalars != c.weights[name]!.scalars)
    }

    @Test("an untrained model predicts close to uniformly: loss near ln(vocab)")
    func nearUniform() throws {
        let model = try LlamaModel.randomlyInitialized(configuration: Self.configuration, seed: 3)
        let logits = model.forward(tokens: [1, 2, 3, 4]).scalars
        let row = Array(logits.suffix(300))
        let top = row.max()!
        let logSum = top + log(row.map { exp($0 - top) }.reduce(0, +))
        let loss = logSum - row[5]
        #expect(abs(loss - log(300)) < 0.5, "loss \(loss), ln 300 = \(log(300.0))")
    }
}
