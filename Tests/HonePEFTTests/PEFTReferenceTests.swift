import Foundation
import HoneModels
import HoneTensor
import Testing
@testable import HonePEFT

/// The adapters real PEFT made (../shared/models/stories260K-peft-*), loaded onto hone's models
/// through LoRAAdapter and the model's linear hook, against the logits PEFT recorded.
@Suite("PEFT's own adapters through hone's LoRA layers",
       .enabled(if: AdapterFixtures.has("stories260K-peft-lora/reference.json"), AdapterFixtures.missingReason("stories260K-peft-lora")))
struct PEFTReferenceTests {
    struct Case {
        var ids: [Int]
        var active: [Double]
        var merged: [Double]
        var greedy: [Int]
        var mergedGreedy: [Int]
    }

    static func cases(_ folder: String) throws -> [Case] {
        let json = try AdapterFixtures.json(folder + "/reference.json")
        return (json["cases"] as! [[String: Any]]).map {
            Case(ids: $0["prompt_token_ids"] as! [Int],
                 active: ($0["last_logits_adapter_active"] as! [NSNumber]).map(\.doubleValue),
                 merged: ($0["last_logits_after_merge_and_unload"] as! [NSNumber]).map(\.doubleValue),
                 greedy: $0["greedy_new_token_ids"] as! [Int],
                 mergedGreedy: $0["greedy_new_token_ids_after_merge_and_unload"] as! [Int])
        }
    }

    func last(_ model: any LanguageModel, _ ids: [Int]) -> [Double] {
        GradMode.withoutGradients { model.forward(tokens: ids, batch: 1, cache: nil, lastPositionOnly: true) }.scalars.map(Double.init)
    }

    func greedy(_ model: any LanguageModel, _ ids: [Int]) -> [Int] {
        Generator.run(model: model, tokenizer: nil, prompt: ids,
                      settings: GenerationSettings(maxNewTokens: 20, sampling: .greedy, stopAtEndOfSequence: false)).newTokens
    }

    func check(model: any LanguageModel, folder: String, label: String) throws {
        let adapter = try LoRAAdapter.from(PEFTAdapterFile.read(directory: AdapterFixtures.path(folder)), name: "peft", on: model)
        let set = AdapterSet.on(model)
        try set.add(adapter)
        var worstActive = 0.0, worstMerged = 0.0
        for c in try Self.cases(folder) {
            worstActive = max(worstActive, zip(last(model, c.ids), c.active).map { abs($0 - $1) }.max()!)
            #expect(greedy(model, c.ids) == c.greedy, "\(label) \(c.ids)")
            try set.merge()
            worstMerged = max(worstMerged, zip(last(model, c.ids), c.merged).map { abs($0 - $1) }.max()!)
            #expect(greedy(model, c.ids) == c.mergedGreedy, "\(label) merged \(c.ids)")
            try set.unmerge()
        }
        print("\(label): max |hone − PEFT| active \(worstActive), merged \(worstMerged)")
        #expect(worstActive < 1e-4, "\(label) active \(worstActive)")
        #expect(worstMerged < 1e-4, "\(label) merged \(worstMerged)")
    }

    @Test("stories260K-peft-lora on stories260K-hf: logits, greedy tokens and merged logits as PEFT recorded")
    func loraOnHF() throws {
        try check(model: HuggingFaceDirectory.loadLlama(path: AdapterFixtures.path("stories260K-hf")), folder: "stories260K-peft-lora", label: "LoRA on HF")
    }

    @Test("the same adapter on the GGUF copy (interleaved q/k) gives the same numbers")
    func loraOnGGUF() throws {
        try check(model: GGUFLlama.load(path: AdapterFixtures.path("stories260K/stories260K.gguf")), folder: "stories260K-peft-lora", label: "LoRA on GGUF")
    }

    @Test("stories260K-peft-rslora-dora (rsLoRA + DoRA on all linear layers): as PEFT recorded")
    func rsloraDora() throws {
        try check(model: HuggingFaceDirectory.loadLlama(path: AdapterFixtures.path("stories260K-hf")), folder: "stories260K-peft-rslora-dora", label: "rsLoRA+DoRA")
        let model = try HuggingFaceDirectory.loadLlama(path: AdapterFixtures.path("stories260K-hf"))
        let adapter = try LoRAAdapter.from(PEFTAdapterFile.read(directory: AdapterFixtures.path("stories260K-peft-rslora-dora")), name: "d", on: model)
        #expect(adapter.parameterCount == 26_120)
    }

    @Test("an adapter saved by hone and loaded back gives identical outputs, from either rotary layout")
    func saveLoadRoundTrip() throws {
        for model in [try GGUFLlama.load(path: AdapterFixtures.path("stories260K/stories260K.gguf")) as any LanguageModel,
                      try HuggingFaceDirectory.loadLlama(path: AdapterFixtures.path("stories260K-hf"))] {
            let set = AdapterSet.on(model)
            try set.add(LoRAAdapter.from(PEFTAdapterFile.read(directory: AdapterFixtures.path("stories260K-peft-rslora-dora")), name: "a", on: model))
            let before = last(model, [1, 403, 407, 261, 378])
            let directory = try AdapterFixtures.temporaryDirectory("roundtrip")
            defer { AdapterFixtures.removeTemporary(directory) }
            try PEFTAdapterFile.write(set.active!.fileWeights(for: model), to: directory + "/adapter")
            try set.add(LoRAAdapter.from(PEFTAdapterFile.read(directory: directory + "/adapter"), name: "b", on: model))
            #expect(last(model, [1, 403, 407, 261, 378]) == before)
        }
    }

    @Test("an adapter for another shape is refused naming the tensor and both shapes")
    func wrongShapeRefused() throws {
        let config = LlamaConfiguration(hiddenSize: 32, intermediateSize: 48, numHiddenLayers: 5, numAttentionHeads: 4,
                                        numKeyValueHeads: 2, vocabSize: 512, maxPositionEmbeddings: 64)
        var weights: [String: Tensor] = [:]
        for (name, shape) in config.parameterShapes { weights[name] = Tensor(shape: shape, repeating: 0.01) }
        let model = try LlamaModel(configuration: config, weights: weights)
        let error = #expect(throws: AdapterError.self) {
            _ = try LoRAAdapter.from(PEFTAdapterFile.read(directory: AdapterFixtures.path("stories260K-peft-lora")), name: "x", on: model)
        }
        #expect(error?.message == "`model.layers.0.self_attn.q_proj.lora_A` has shape [4, 64] but this model's model.layers.0.self_attn.q_proj needs [4, 32]")
    }

    @Test("QLoRA: with NF4, Q8_0 or Q4_0 base weights, stories260K's logits stay within the measured tolerance of float32's")
    func nf4Logits() throws {
        let reference = try HuggingFaceDirectory.loadLlama(path: AdapterFixtures.path("stories260K-hf"))
        // Bounds set from the measurement (deterministic): nf4 3.541, q8_0 0.1666, q4_0 3.526 as the
        // largest of 3 × 512 last-position logits. stories260K's 64-wide layers leave little room:
        // one 64-element block is a whole row. Q8_0/Q4_0 keep the 5 down_proj weights (rows of 172) in float32.
        for (format, bound) in [(QuantizationFormat.nf4, 3.7), (.q8_0, 0.18), (.q4_0, 3.7)] {
            let model = try HuggingFaceDirectory.loadLlama(path: AdapterFixtures.path("stories260K-hf"))
            let report = try BaseQuantizer.quantize(model, format: format)
            var worst = 0.0
            for c in try Self.cases("stories260K-peft-lora") {
                worst = max(worst, zip(last(model, c.ids), last(reference, c.ids)).map { abs($0 - $1) }.max()!)
            }
            print("\(format.rawValue): \(report.quantized.count) weights quantised, kept float \(report.keptFloat.count), "
                  + "bytes \(report.bytesBefore) → \(report.bytesAfter), max |logit − float32| \(worst)")
            #expect(worst < bound, "\(format.rawValue): \(worst)")
        }
    }
}
