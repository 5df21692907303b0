import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import Testing
@testable import HoneTrain

/// GRPO through the trainer on stories260K with a rule reward: answers naming "Tom". On
/// held-out prompts the mean reward must rise, and the KL to the reference stays finite.
@Suite("GRPO on stories260K", .enabled(if: Shared.has("stories260K-hf/config.json"), "the shared models are absent"))
struct GRPOTests {
    @Test("reward rules parse and score as documented")
    func rules() {
        #expect(RewardRule(parsing: "contains:Tom") == .contains("Tom"))
        #expect(RewardRule(parsing: "max_length:10") == .maxLength(10))
        #expect(RewardRule(parsing: "length:10") == nil && RewardRule(parsing: "max_length:x") == nil)
        #expect(RewardRule.contains("tom").reward(text: "Tom ran.", tokens: 3) == 1)
        #expect(RewardRule.maxLength(10).reward(text: "", tokens: 15) == 0.5)
    }

    @Test("GRPO raises the mean reward on held-out prompts; the KL to the reference is finite and reported")
    func grpoRaisesReward() throws {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let tokenizer = try TokenizerLoader.load(directory: Shared.path("stories260K-hf"))
        func ids(_ text: String) -> [Int] { tokenizer.encode(text, bos: true) }
        let train = ["Once upon a time, there was a little boy named", "One day, a boy named", "There was a kind boy named",
                     "Once upon a time, a happy boy named", "One sunny day, a little boy called", "A brave boy named"].map(ids)
        let held = ["Long ago, there lived a boy named", "In a small town, there was a boy named", "Once there was a boy called"].map(ids)
        let set = AdapterSet.on(model)
        let adapter = try LoRAAdapter.fresh(name: "default", settings: LoRASettings(rank: 8, alpha: 16, targets: ["all-linear"], seed: 5), on: model)
        try set.add(adapter)
        let objective = GRPOObjective(prompts: train, rule: .contains("Tom"), tokenizer: tokenizer, group: 8, maxNewTokens: 6, seed: 9)
        let before = objective.meanReward(on: held, model: model)
        var settings = TrainingSettings()
        settings.steps = 12
        settings.batchSize = 3
        settings.learningRate = 1e-2
        settings.schedule = .constant
        settings.seed = 1
        let parameters = adapter.layers.flatMap { [TrainableParameter(name: $0.module.name + ".A", tensor: $0.a), TrainableParameter(name: $0.module.name + ".B", tensor: $0.b)] }
        let trainer = try Trainer(model: model, parameters: parameters, objective: objective, settings: settings, dropoutLayers: adapter.layers)
        var rewards: [Double] = [], kls: [Double] = []
        for _ in 0..<12 {
            guard case .completed(let record) = trainer.step() else { Issue.record("a GRPO step was not finite"); return }
            rewards.append(record.figures["reward"] ?? .nan)
            kls.append(record.figures["kl"] ?? .nan)
        }
        let after = objective.meanReward(on: held, model: model)
        print("GRPO held-out mean reward \(before) → \(after); training rewards \(rewards); KL \(kls)")
        #expect(after > before + 0.15, "held-out reward \(before) → \(after)")
        #expect(kls.allSatisfy { $0.isFinite })
    }
}
