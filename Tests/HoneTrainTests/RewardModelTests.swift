import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import Testing
@testable import HoneTrain

/// A reward model on stories260K: a scalar head on the final hidden states, trained with the
/// Bradley–Terry loss on the happy/sad pairs, ranks held-out pairs correctly.
@Suite("reward model on stories260K", .enabled(if: Shared.has("stories260K-hf/config.json"), "the shared models are absent"))
struct RewardModelTests {
    @Test("hidden states times the output head are the logits")
    func hiddenStatesFeedTheHead() throws {
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let tokens = [1, 403, 407, 261, 378, 34, 2]
        let logits = model.forward(tokens: tokens).scalars
        let hidden = model.hiddenStates(tokens: tokens, batch: 1).reshaped([tokens.count, model.hiddenSize])
        let head = model.parameters.first { $0.name == "model.embed_tokens.weight" }!.tensor
        let again = hidden.matmul(head.transposed()).scalars
        #expect(zip(logits, again).map { abs($0 - $1) }.max()! < 1e-5)
    }

    @Test("Bradley–Terry training ranks held-out pairs: accuracy rises to 1 and the margin grows")
    func rewardModelRanksPairs() throws {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let tokenizer = try TokenizerLoader.load(directory: Shared.path("stories260K-hf"))
        let train = DPOTrainingTests.pairs(names: ["Tom", "Lily", "Ben", "Sue", "Max", "Anna"], places: ["park", "school", "shop"], tokenizer: tokenizer)
        let held = DPOTrainingTests.pairs(names: ["Tim", "Lucy", "Jack"], places: ["beach", "zoo"], tokenizer: tokenizer)
        let set = AdapterSet.on(model)
        let adapter = try LoRAAdapter.fresh(name: "default", settings: LoRASettings(rank: 8, alpha: 16, targets: ["all-linear"], seed: 2), on: model)
        try set.add(adapter)
        let head = RewardHead(hidden: model.hiddenSize, seed: 7)
        let objective = RewardObjective(pairs: train, head: head)
        let before = objective.evaluate(held, model: model)
        var settings = TrainingSettings()
        settings.steps = 15
        settings.batchSize = 6
        settings.learningRate = 1e-2
        settings.schedule = .constant
        var parameters = [TrainableParameter(name: "score.weight", tensor: head.weight)]
        parameters += adapter.layers.flatMap { [TrainableParameter(name: $0.module.name + ".A", tensor: $0.a), TrainableParameter(name: $0.module.name + ".B", tensor: $0.b)] }
        let trainer = try Trainer(model: model, parameters: parameters, objective: objective, settings: settings, dropoutLayers: adapter.layers)
        for _ in 0..<15 { guard case .completed = trainer.step() else { Issue.record("a step was not finite"); return } }
        let after = objective.evaluate(held, model: model)
        print("reward model held-out: accuracy \(before.accuracy) → \(after.accuracy), margin \(before.margin) → \(after.margin)")
        #expect(after.accuracy >= 0.99)
        #expect(after.margin > before.margin + 0.5)
    }
}
