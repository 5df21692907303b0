import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import Testing
@testable import HoneTrain

@Suite("PPO's parts")
struct PPOPartsTests {
    @Test("GAE matches a hand computation with γ = 1, λ = 0.95")
    func gaeByHand() {
        // rewards [0, 0, 1], values [0.5, 0.2, 0.4]:
        // δ2 = 1 + 0 − 0.4 = 0.6;           A2 = 0.6
        // δ1 = 0 + 0.4 − 0.2 = 0.2;          A1 = 0.2 + 0.95·0.6 = 0.77
        // δ0 = 0 + 0.2 − 0.5 = −0.3;         A0 = −0.3 + 0.95·0.77 = 0.4315
        let (a, r) = GAE.advantages(rewards: [0, 0, 1], values: [0.5, 0.2, 0.4], gamma: 1, lambda: 0.95)
        for (x, y) in zip(a, [0.4315, 0.77, 0.6] as [Float]) { #expect(abs(x - y) < 1e-6) }
        for (x, y) in zip(r, [0.9315, 0.97, 1.0] as [Float]) { #expect(abs(x - y) < 1e-6) }
    }

    @Test("whitening gives mean 0 and unbiased variance 1")
    func whitening() {
        let w = GAE.whitened([1, 2, 3, 4, 10])
        let mean = w.reduce(0, +) / 5
        let variance = w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4
        #expect(abs(mean) < 1e-6 && abs(variance - 1) < 1e-5)
    }

    @Test("reward rules name reward models; a rule scores text, not ids")
    func rewardModelRule() {
        #expect(RewardRule(parsing: "model:rm") == .model("rm"))
        #expect(RewardRule.model("rm").modelName == "rm" && RewardRule.contains("a").modelName == nil)
        let scores = RewardFunction.rule(.contains("cat"))([ScoredAnswer(prompt: [1], answer: [5, 2], text: "a Cat", generated: 1),
                                                           ScoredAnswer(prompt: [1], answer: [2], text: "", generated: 0)])
        #expect(scores == [1, 0])
    }
}

/// PPO through the trainer on stories260K with a rule reward (answers naming "Tom"), LoRA with
/// the adapter-disabled reference: the held-out mean reward must rise, and the KL stays finite.
@Suite("PPO on stories260K", .enabled(if: Shared.has("stories260K-hf/config.json"), "the shared models are absent"))
struct PPOTests {
    @Test("PPO raises the mean reward on held-out prompts; the KL to the reference is finite and reported")
    func ppoRaisesReward() throws {
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
        var ppo = PPOSettings(reward: .contains("Tom"))
        ppo.maxNewTokens = 6
        ppo.samples = 4
        ppo.epochs = 2
        var settings = TrainingSettings()
        settings.steps = 16
        settings.batchSize = 3
        settings.learningRate = 1e-2
        settings.schedule = .constant
        settings.seed = 1
        let objective = PPOObjective(prompts: train, reward: .rule(ppo.reward), settings: ppo, tokenizer: tokenizer, hiddenSize: model.hiddenSize,
                                     reference: .adapterDisabled(set), batchSize: settings.batchSize, accumulate: settings.accumulate, seed: 9)
        let before = objective.meanReward(on: held, model: model)
        let parameters = adapter.layers.flatMap { [TrainableParameter(name: $0.module.name + ".A", tensor: $0.a), TrainableParameter(name: $0.module.name + ".B", tensor: $0.b)] }
            + [TrainableParameter(name: "v_head.weight", tensor: objective.valueHead)]
        let trainer = try Trainer(model: model, parameters: parameters, objective: objective, settings: settings, dropoutLayers: adapter.layers)
        var rewards: [Double] = [], kls: [Double] = []
        for _ in 0..<16 {
            guard case .completed(let record) = trainer.step() else { Issue.record("a PPO step was not finite"); return }
            rewards.append(record.figures["reward"] ?? .nan)
            kls.append(record.figures["kl"] ?? .nan)
        }
        let after = objective.meanReward(on: held, model: model)
        print("PPO held-out mean reward \(before) → \(after); training rewards \(rewards); KL \(kls)")
        #expect(after > before + 0.15, "held-out reward \(before) → \(after)")
        #expect(kls.allSatisfy { $0.isFinite })
        #expect(objective.valueHead.scalars.contains { $0 != 0 }, "the value head trained")
    }
}
