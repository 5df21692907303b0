import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import Testing
@testable import HoneTrain

/// DPO through the trainer on stories260K with pairs the test makes: the chosen answer is
/// always the happy one. On held-out names and places the preference accuracy and the
/// chosen-minus-rejected margin must rise.
@Suite("DPO training on stories260K", .enabled(if: Shared.has("stories260K-hf/config.json"), "the shared models are absent"))
struct DPOTrainingTests {
    static func pairs(names: [String], places: [String], tokenizer: any Tokenizer) -> [PreferencePair] {
        var out: [PreferencePair] = []
        for name in names {
            for place in places {
                let prompt = [tokenizer.bos!] + tokenizer.encode("\(name) went to the \(place). \(name) felt", bos: false)
                let chosen = tokenizer.encode(" happy and smiled.", bos: false) + [tokenizer.eos!]
                let rejected = tokenizer.encode(" sad and cried.", bos: false) + [tokenizer.eos!]
                out.append(PreferencePair(prompt: prompt, chosen: chosen, rejected: rejected))
            }
        }
        return out
    }

    @Test("DPO raises held-out preference accuracy and margin; the reference is the base model's log-probs")
    func dpoRaisesPreference() throws {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let tokenizer = try TokenizerLoader.load(directory: Shared.path("stories260K-hf"))
        let train = Self.pairs(names: ["Tom", "Lily", "Ben", "Sue", "Max", "Anna"], places: ["park", "school", "shop"], tokenizer: tokenizer)
        let held = Self.pairs(names: ["Tim", "Lucy", "Jack"], places: ["beach", "zoo"], tokenizer: tokenizer)
        let base = PreferenceObjective.referenceLogProbs(held, model: model)
        let set = AdapterSet.on(model)
        let adapter = try LoRAAdapter.fresh(name: "default", settings: LoRASettings(rank: 8, alpha: 16, targets: ["all-linear"], seed: 2), on: model)
        try set.add(adapter)
        let objective = PreferenceObjective(pairs: train, loss: .dpo, model: model)
        objective.holdOut(held, model: model)
        #expect(PreferenceObjective.referenceLogProbs(held, model: model) == base, "adapter-disabled log-probs are the base model's exactly")
        let before = objective.evaluateHeldOut(model: model)
        var settings = TrainingSettings()
        settings.steps = 16
        settings.batchSize = 6
        settings.learningRate = 2e-2
        settings.schedule = .constant
        settings.seed = 4
        let parameters = adapter.layers.flatMap { [TrainableParameter(name: $0.module.name + ".A", tensor: $0.a), TrainableParameter(name: $0.module.name + ".B", tensor: $0.b)] }
        let trainer = try Trainer(model: model, parameters: parameters, objective: objective, settings: settings, dropoutLayers: adapter.layers)
        var accuracies: [Double] = []
        for _ in 0..<16 {
            guard case .completed(let record) = trainer.step() else { Issue.record("a DPO step was not finite"); return }
            accuracies.append(record.figures["rewards/accuracies"] ?? .nan)
        }
        let after = objective.evaluateHeldOut(model: model)
        print("DPO held-out: loss \(before.loss) → \(after.loss); accuracy \(before.figures["rewards/accuracies"]!) → \(after.figures["rewards/accuracies"]!); "
              + "margin \(before.figures["rewards/margins"]!) → \(after.figures["rewards/margins"]!); training accuracies \(accuracies)")
        #expect(after.figures["rewards/margins"]! > before.figures["rewards/margins"]! + 0.1)
        #expect(after.figures["rewards/accuracies"]! > before.figures["rewards/accuracies"]!)
        #expect(after.figures["rewards/accuracies"]! >= 0.99)
        #expect(after.loss < before.loss)
    }
}
