import Foundation
import HoneModels
import HoneTensor
import Testing

@testable import HonePEFT

/// One tiny random checkpoint per family, written by transformers 5.25 with its reference
/// outputs and a PEFT LoRA adapter (../shared/models/arch-zoo, README there): hone must compute
/// transformers' loss, logits and greedy tokens from either config layout, with and without
/// the adapter.
@Suite("arch-zoo: every family against transformers and PEFT",
       .enabled(if: AdapterFixtures.has("arch-zoo/README.md"), AdapterFixtures.missingReason("arch-zoo")))
struct ArchZooTests {
    static let zoo = AdapterFixtures.path("arch-zoo")

    static var caseNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: zoo)) ?? [])
            .filter { FileManager.default.fileExists(atPath: zoo + "/" + $0 + "/reference.json") }.sorted()
    }

    struct Expected {
        var loss: Double
        var lastLogits: [Double]
        var greedy: [Int]

        init(_ json: [String: Any]) {
            loss = (json["loss"] as! NSNumber).doubleValue
            lastLogits = (json["last_logits"] as! [NSNumber]).map(\.doubleValue)
            greedy = json["greedy_new_ids"] as! [Int]
        }
    }

    /// Mean next-token cross-entropy over `ids` (labels = ids, shifted), in Double.
    static func loss(_ model: any LanguageModel, _ ids: [Int]) -> (loss: Double, last: [Double]) {
        let logits = GradMode.withoutGradients { model.forward(tokens: ids) }.scalars
        let v = model.vocabularySize
        var total = 0.0
        for t in 0..<(ids.count - 1) {
            let row = logits[(t * v)..<((t + 1) * v)].map(Double.init)
            let top = row.max()!
            let logSum = top + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - top) })
            total += logSum - row[ids[t + 1]]
        }
        let last = logits[((ids.count - 1) * v)...].map(Double.init)
        return (total / Double(ids.count - 1), last)
    }

    static func greedy(_ model: any LanguageModel, _ prompt: [Int], count: Int) -> [Int] {
        Generator.run(model: model, tokenizer: nil, prompt: prompt,
                      settings: GenerationSettings(maxNewTokens: count, sampling: .greedy, stopAtEndOfSequence: false)).newTokens
    }

    /// A scratch copy of the case whose config.json is `configName` (the weights linked, not copied).
    static func directory(_ name: String, config configName: String, scratch alwaysCopy: Bool = false) throws -> String {
        let source = zoo + "/" + name
        if configName == "config.json" && !alwaysCopy { return source }
        let scratch = try AdapterFixtures.temporaryDirectory("zoo-\(name)")
        let fm = FileManager.default
        for file in try fm.contentsOfDirectory(atPath: source) where file != "config.json" && file != "config.v4.json" {
            try fm.createSymbolicLink(atPath: scratch + "/" + file, withDestinationPath: source + "/" + file)
        }
        try fm.copyItem(atPath: source + "/" + configName, toPath: scratch + "/config.json")
        return scratch
    }

    /// Checks `model` (with whatever adapter it carries) against `expected`; returns the largest
    /// logit difference.
    static func check(_ model: any LanguageModel, _ reference: [String: Any], _ expected: Expected, label: String) -> Double {
        let ids = reference["ids"] as! [Int], prompt = reference["prompt_ids"] as! [Int]
        let (loss, last) = Self.loss(model, ids)
        let worst = zip(last, expected.lastLogits).map { abs($0 - $1) }.max()!
        #expect(abs(loss - expected.loss) < 1e-4, "\(label): loss \(loss), transformers \(expected.loss)")
        #expect(worst < 1e-4, "\(label): last logits differ by up to \(worst)")
        #expect(greedy(model, prompt, count: expected.greedy.count) == expected.greedy, "\(label): greedy ids")
        return worst
    }

    @Test("each case's loss, last logits and greedy ids match transformers, from config.json and config.v4.json, with and without its PEFT adapter",
          arguments: ["config.json", "config.v4.json"])
    func matchesTransformers(config: String) throws {
        #expect(Self.caseNames.count >= 15, "arch-zoo holds \(Self.caseNames.count) cases")
        for name in Self.caseNames {
            let reference = try AdapterFixtures.json("arch-zoo/\(name)/reference.json")
            let directory = try Self.directory(name, config: config)
            defer { if directory != Self.zoo + "/" + name { try? FileManager.default.removeItem(atPath: directory) } }
            let model = try HuggingFaceDirectory.loadLlama(path: directory)
            let base = Self.check(model, reference, Expected(reference), label: "\(name) \(config)")
            let peft = reference["peft_lora"] as! [String: Any]
            let adapter = try LoRAAdapter.from(PEFTAdapterFile.read(directory: Self.zoo + "/\(name)/peft-lora"), name: "peft", on: model)
            try AdapterSet.on(model).add(adapter)
            let adapted = Self.check(model, reference, Expected(peft), label: "\(name) \(config) + PEFT LoRA")
            print("arch-zoo \(name) (\(config)): max |hone − transformers| logits \(base), with PEFT LoRA \(adapted)")
        }
    }

    @Test("every registered family has an arch-zoo reference case, and every case belongs to a family")
    func registryCoversTheZoo() throws {
        let cases = Set(Self.caseNames)
        for family in DecoderFamily.all {
            #expect(!family.referenceCases.isEmpty, "\(family.modelType) names no reference case")
            for name in family.referenceCases { #expect(cases.contains(name), "\(family.modelType): arch-zoo has no case \(name)") }
        }
        let claimed = Set(DecoderFamily.all.flatMap(\.referenceCases))
        #expect(cases.subtracting(claimed).isEmpty, "cases no family claims: \(cases.subtracting(claimed).sorted())")
        for name in cases {
            let modelType = try AdapterFixtures.json("arch-zoo/\(name)/config.json")["model_type"] as! String
            #expect(DecoderFamily.named(modelType)?.referenceCases.contains(name) == true, "\(name) is model_type \(modelType)")
        }
    }

    @Test("an unknown key at a non-default value is refused by name in either layout, at the top or inside the rotary settings",
          arguments: ["config.json", "config.v4.json"])
    func unknownKeysAreRefused(config: String) throws {
        for name in ["gemma3", "phi3-longrope", "llama3"] {
            let original = try AdapterFixtures.json("arch-zoo/\(name)/\(config)")
            var edits: [(String, [String: Any])] = [("use_flash_rope", original.merging(["use_flash_rope": 2]) { $1 })]
            let ropeKey = config == "config.json" ? "rope_parameters" : "rope_scaling"
            if var rope = original[ropeKey] as? [String: Any] {
                if name == "gemma3", var full = rope["full_attention"] as? [String: Any] {
                    full["beta_fastest"] = 3
                    rope["full_attention"] = full
                } else {
                    rope["beta_fastest"] = 3
                }
                edits.append(("beta_fastest", original.merging([ropeKey: rope]) { $1 }))
            }
            for (key, json) in edits {
                // A scratch copy with its config replaced: the shared case is never written.
                let directory = try Self.directory(name, config: config, scratch: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let path = directory + "/config.json"
                try FileManager.default.removeItem(atPath: path)
                try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
                do {
                    _ = try HuggingFaceDirectory.loadLlama(path: directory)
                    Issue.record("\(name) \(config) with \(key) loaded")
                } catch let error as CheckpointError {
                    #expect(error.description.contains(key), "\(name) \(config): \(error)")
                }
            }
        }
    }

    static func logits(_ model: any LanguageModel, _ ids: [Int]) -> [Float] {
        GradMode.withoutGradients { model.forward(tokens: ids) }.scalars
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test("save model to Hugging Face format and to GGUF, then load back: the same logits within 1e-5, for every family")
    func savedModelsLoadBack() throws {
        let scratch = try AdapterFixtures.temporaryDirectory("zoo-save")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for name in Self.caseNames {
            let reference = try AdapterFixtures.json("arch-zoo/\(name)/reference.json")
            let ids = reference["ids"] as! [Int]
            let model = try HuggingFaceDirectory.loadLlama(path: Self.zoo + "/" + name)
            // The PEFT adapter merged in, so saved weights are not the ones the directory holds.
            let set = AdapterSet.on(model)
            try set.add(LoRAAdapter.from(PEFTAdapterFile.read(directory: Self.zoo + "/\(name)/peft-lora"), name: "peft", on: model))
            try set.merge()
            model.linearHook = nil
            let expected = Self.logits(model, ids)

            let hf = scratch + "/\(name)-hf"
            try HuggingFaceWriter.write(model: model, tokenizerFiles: [], to: hf)
            let fromHF = try HuggingFaceDirectory.loadLlama(path: hf)
            #expect(fromHF.configuration == model.configuration, "\(name): config.json did not round-trip")
            let hfDifference = Self.maxDifference(Self.logits(fromHF, ids), expected)
            #expect(hfDifference <= 1e-5, "\(name) through Hugging Face format: \(hfDifference)")

            if let reason = GGUFLlama.unwritableReason(model.configuration) {
                print("arch-zoo \(name): HF round trip \(hfDifference); GGUF refused: \(reason)")
                #expect(["llama-rope-dynamic", "smollm3"].contains(name), "\(name): \(reason)")
                #expect(throws: CheckpointError.self) { try GGUFLlama.write(model: model, tokenizerMetadata: [], to: scratch + "/\(name).gguf", name: name) }
                continue
            }
            let gguf = scratch + "/\(name).gguf"
            try GGUFLlama.write(model: model, tokenizerMetadata: [], to: gguf, name: name)
            let fromGGUF = try GGUFLlama.load(path: gguf)
            let ggufDifference = Self.maxDifference(Self.logits(fromGGUF, ids), expected)
            #expect(ggufDifference <= 1e-5, "\(name) through GGUF: \(ggufDifference)")
            #expect(fromGGUF.configuration.family.modelType == model.configuration.modelType)

            // As llama.cpp's converter would write it: the standard keys alone.
            var writer = GGUFWriter()
            for (key, value) in GGUFLlama.metadata(for: model.configuration, name: name, f16: false) where key != GGUFLlama.configKey {
                writer.add(key, value)
            }
            for (tensorName, tensor) in try GGUFLlama.tensors(of: model) { writer.add(tensor: tensorName, tensor) }
            let plain = scratch + "/\(name)-plain.gguf"
            try writer.write(to: plain)
            var standard = "refused"
            do {
                let fromPlain = try GGUFLlama.load(path: plain)
                let difference = Self.maxDifference(Self.logits(fromPlain, ids), expected)
                #expect(difference <= 1e-5, "\(name) from llama.cpp's keys alone: \(difference)")
                standard = "\(difference)"
            } catch let error as CheckpointError {
                // Only settings llama.cpp keeps in ways hone does not map back may be refused.
                #expect(["llama3", "llama-rope-yarn", "phi3-longrope"].contains(name), "\(name): \(error)")
                standard = "refused (\(error.message))"
            }
            print("arch-zoo \(name): max logit difference after HF \(hfDifference), GGUF \(ggufDifference), GGUF without hone.config \(standard)")
        }
    }
}
