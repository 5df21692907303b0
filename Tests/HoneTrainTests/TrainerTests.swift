import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import Testing
@testable import HoneTrain

/// A random Llama and random SFT-like examples, small enough to train many times per test.
enum TinySetup {
    static func model(seed: UInt64 = 1, context: Int = 64) throws -> LlamaModel {
        let config = LlamaConfiguration(hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4,
                                        numKeyValueHeads: 2, vocabSize: 32, maxPositionEmbeddings: context, tieWordEmbeddings: false)
        var random = RandomGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for (name, shape) in config.parameterShapes {
            let isNorm = name.hasSuffix("norm.weight")
            weights[name] = Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in isNorm ? 1 : 0.3 * random.normal() })
        }
        return try LlamaModel(configuration: config, weights: weights)
    }

    /// Examples whose completion is a fixed function of the prompt, so training can lower the loss.
    static func examples(_ count: Int, seed: UInt64 = 7) -> [(ids: [Int], labels: [Int])] {
        var random = RandomGenerator(seed: seed)
        return (0..<count).map { _ in
            let prompt = (0..<(3 + random.int(below: 5))).map { _ in 2 + random.int(below: 28) }
            let answer = prompt.reversed().map { ($0 + 1) % 30 + 2 } + [1]
            return ([0] + prompt + answer, Array(repeating: -100, count: prompt.count + 1) + answer)
        }
    }

    static func lora(on model: LlamaModel, dropout: Double = 0) throws -> AdapterSet {
        let set = AdapterSet.on(model)
        try set.add(LoRAAdapter.fresh(name: "default", settings: LoRASettings(rank: 4, alpha: 8, dropout: dropout, seed: 3), on: model))
        return set
    }

    static func trainer(_ model: LlamaModel, _ set: AdapterSet, _ settings: TrainingSettings, examples: Int = 24) throws -> Trainer {
        let parameters = set.active!.layers.flatMap { l in [TrainableParameter(name: l.module.name + ".lora_A", tensor: l.a),
                                                            TrainableParameter(name: l.module.name + ".lora_B", tensor: l.b)] }
        return try Trainer(model: model, parameters: parameters, examples: Self.examples(examples), settings: settings,
                           dropoutLayers: set.active!.layers)
    }

    static func losses(_ trainer: Trainer, steps: Int) -> [Double] {
        (0..<steps).compactMap { _ in if case .completed(let r) = trainer.step() { r.loss } else { nil } }
    }
}

@Suite("the trainer: batches, accumulation, optimizers, checkpoints")
struct TrainerTests {
    func settings(_ change: (inout TrainingSettings) -> Void = { _ in }) -> TrainingSettings {
        var s = TrainingSettings()
        s.learningRate = 1e-2
        s.batchSize = 4
        s.steps = 6
        s.seed = 11
        change(&s)
        return s
    }

    @Test("the same seed gives the same losses; another seed another batch order")
    func determinism() throws {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        func run(_ seed: UInt64) throws -> [Double] {
            let m = try TinySetup.model()
            return TinySetup.losses(try TinySetup.trainer(m, try TinySetup.lora(on: m, dropout: 0.1), settings { $0.seed = seed }), steps: 6)
        }
        let a = try run(11), b = try run(11), c = try run(12)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("training lowers the loss on the training examples")
    func lowersLoss() throws {
        let m = try TinySetup.model()
        let trainer = try TinySetup.trainer(m, try TinySetup.lora(on: m), settings { $0.steps = 30; $0.schedule = .constant })
        let before = trainer.meanLoss(on: trainer.examples)
        _ = TinySetup.losses(trainer, steps: 30)
        let after = trainer.meanLoss(on: trainer.examples)
        #expect(after < before - 0.3, "mean loss \(before) → \(after)")
    }

    @Test("batch=4 and batch=1 accumulate=4 report the same loss and take the same step")
    func accumulationMatchesBigBatch() throws {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let m1 = try TinySetup.model(), m2 = try TinySetup.model()
        let whole = try TinySetup.trainer(m1, try TinySetup.lora(on: m1), settings())
        let split = try TinySetup.trainer(m2, try TinySetup.lora(on: m2), settings { $0.batchSize = 1; $0.accumulate = 4 })
        // The two see the same examples only if the order agrees; give both one 4-example batch per step.
        let examples = TinySetup.examples(4)
        let a = try Trainer(model: m1, parameters: whole.parameters, examples: examples, settings: settings { $0.batchSize = 4 })
        let b = try Trainer(model: m2, parameters: split.parameters, examples: examples, settings: settings { $0.batchSize = 1; $0.accumulate = 4 })
        let la = TinySetup.losses(a, steps: 3), lb = TinySetup.losses(b, steps: 3)
        for (x, y) in zip(la, lb) { #expect(abs(x - y) < 1e-5, "\(la) vs \(lb)") }
        let wa = a.parameters.flatMap(\.tensor.scalars), wb = b.parameters.flatMap(\.tensor.scalars)
        #expect(zip(wa, wb).map { abs($0 - $1) }.max()! < 1e-5)
    }

    @Test("clipping scales the gradients to the global norm, as clip_grad_norm_ does")
    func clipping() throws {
        let p = Tensor(shape: [2], values: [1, 1])
        p.requiresGrad = true
        p.grad = Tensor(shape: [2], values: [3, 4])
        let sgd = SGD(parameters: [p], momentum: 0)
        #expect(abs(sgd.clipGradients(maxNorm: 1) - 5) < 1e-9)
        #expect(abs(p.grad!.scalars[0] - Float(3 / (5 + 1e-6))) < 1e-6 && abs(p.grad!.scalars[1] - Float(4 / (5 + 1e-6))) < 1e-6)
        #expect(abs(sgd.clipGradients(maxNorm: 10) - 1) < 1e-5)
        #expect(abs(p.grad!.scalars[1] - Float(4 / (5 + 1e-6))) < 1e-6, "a norm under the limit is left alone")
    }

    @Test("SGD with momentum and weight decay follows torch.optim.SGD")
    func sgdMatchesPyTorchFormula() {
        let p = Tensor(shape: [1], values: [2])
        let sgd = SGD(parameters: [p], momentum: 0.5, weightDecay: 0.1)
        p.grad = Tensor(shape: [1], values: [1])
        sgd.update(lr: 0.1)  // d = 1 + 0.2 = 1.2; b = 1.2; p = 2 − 0.12 = 1.88
        #expect(abs(p.scalars[0] - 1.88) < 1e-6)
        p.grad = Tensor(shape: [1], values: [1])
        sgd.update(lr: 0.1)  // d = 1 + 0.188 = 1.188; b = 0.6 + 1.188 = 1.788; p = 1.88 − 0.1788
        #expect(abs(p.scalars[0] - (1.88 - 0.1788)) < 1e-6)
    }

    @Test("biases and norm weights are exempt from weight decay by default, as in Hugging Face's Trainer")
    func decayExemptions() throws {
        func tiny(_ type: String, bias: Bool = false) throws -> DecoderModel {
            try DecoderModel.randomlyInitialized(configuration: DecoderConfiguration(
                hiddenSize: 8, intermediateSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 1,
                vocabSize: 10, maxPositionEmbeddings: 16, modelType: type, queryKeyValueBias: bias))
        }
        let qwen2 = try tiny("qwen2", bias: true), olmo2 = try tiny("olmo2")
        #expect(Trainer.isBiasOrNorm("model.layers.0.input_layernorm.weight", in: qwen2))
        #expect(Trainer.isBiasOrNorm("model.norm.weight", in: qwen2))
        #expect(Trainer.isBiasOrNorm("model.layers.0.self_attn.q_proj.bias", in: qwen2))
        #expect(Trainer.isBiasOrNorm("model.layers.0.self_attn.q_norm.weight", in: olmo2))
        #expect(Trainer.isBiasOrNorm("model.layers.0.post_feedforward_layernorm.weight", in: olmo2))
        #expect(!Trainer.isBiasOrNorm("model.layers.0.self_attn.q_proj.weight", in: qwen2))
        #expect(!Trainer.isBiasOrNorm("model.embed_tokens.weight", in: qwen2))
        #expect(!Trainer.isBiasOrNorm("model.layers.0.self_attn.q_proj.lora_A", in: qwen2))
    }

    @Test("a run resumed from a checkpoint reproduces the uninterrupted run's losses exactly")
    func resumeReproducesLosses() throws {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-resume-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = settings { $0.steps = 8; $0.saveEvery = 3; $0.schedule = .cosine; $0.warmupSteps = 2; $0.weightDecay = 0.01 }
        let m1 = try TinySetup.model()
        let whole = try TinySetup.trainer(m1, try TinySetup.lora(on: m1, dropout: 0.1), s)
        let uninterrupted = TinySetup.losses(whole, steps: 8)

        let m2 = try TinySetup.model()
        let first = try TinySetup.trainer(m2, try TinySetup.lora(on: m2, dropout: 0.1), s)
        let log = try RunLog(path: dir)
        let loop = TrainingLoop(trainer: first, log: log)
        var steps = 0
        let stop = try loop.run(isInterrupted: { steps >= 4 }, onEvent: { if case .step = $0 { steps += 1 } })
        #expect(stop == .interrupted(step: 4))

        let m3 = try TinySetup.model()
        let resumed = try TinySetup.trainer(m3, try TinySetup.lora(on: m3, dropout: 0.1), s)
        let latest = try #require(TrainerCheckpoint.latest(in: dir))
        #expect(latest.step == 4)
        _ = try TrainerCheckpoint.load(into: resumed, from: latest.path)
        let rest = TinySetup.losses(resumed, steps: 4)
        let logged = log.events().filter { $0.kind == .train }.compactMap(\.loss)
        #expect(logged + rest == uninterrupted)
    }

    @Test("a checkpoint refuses a run that trains other parameters")
    func checkpointChecksParameters() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-ckpt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = try TinySetup.model()
        let trainer = try TinySetup.trainer(m, try TinySetup.lora(on: m), settings())
        let path = try TrainerCheckpoint.save(trainer, state: CheckpointState(position: trainer.position, totalSteps: 6), in: dir)
        let other = try Trainer(model: m, parameters: Array(trainer.parameters.dropLast()), examples: TinySetup.examples(4), settings: settings())
        #expect(throws: TrainingError.self) { _ = try TrainerCheckpoint.load(into: other, from: path) }
    }

    @Test("a NaN loss stops the step, names it and restores the weights from before the last update")
    func nonFiniteLoss() throws {
        let m = try TinySetup.model()
        let trainer = try TinySetup.trainer(m, try TinySetup.lora(on: m), settings())
        _ = TinySetup.losses(trainer, steps: 1)
        let before = trainer.parameters.map(\.tensor.scalars)
        _ = TinySetup.losses(trainer, steps: 1)
        // Poison a weight of the model: the next forward gives NaN.
        let q = m.parameters.first { $0.name.hasSuffix("q_proj.weight") }!.tensor
        q.pointer[0] = .nan
        guard case .nonFinite(let step, _, _, _) = trainer.step() else { Issue.record("expected a non-finite step"); return }
        #expect(step == 3)
        #expect(trainer.parameters.map(\.tensor.scalars) == before)
    }
}
