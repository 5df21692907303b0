import HoneModels
import HoneTensor
import Testing

/// `LanguageModel.gradientCheckpointing`: the same loss and gradients for every parameter.
@Suite("gradient checkpointing in the models")
struct ModelCheckpointingTests {
    /// Each parameter's gradient after one loss and backward, by name, and the loss.
    static func gradients(_ model: any LanguageModel, tokens: [Int], batch: Int, checkpointing: Bool) -> ([String: [Float]], Float) {
        var model = model
        model.gradientCheckpointing = checkpointing
        for (_, p) in model.parameters {
            p.requiresGrad = true
            p.zeroGrad()
        }
        let t = tokens.count / batch
        let logits = model.forward(tokens: tokens, batch: batch, cache: nil, lastPositionOnly: false)
        let targets = (0..<tokens.count).map { i in i % t == t - 1 ? -100 : tokens[i + 1] }
        let loss = Tensor.crossEntropy(logits: logits, targets: targets)
        loss.backward()
        var grads: [String: [Float]] = [:]
        for (name, p) in model.parameters { grads[name] = p.grad?.scalars ?? [] }
        model.gradientCheckpointing = false
        return (grads, loss.item())
    }

    static func expectSame(_ model: any LanguageModel, tokens: [Int], batch: Int) {
        let (plain, plainLoss) = gradients(model, tokens: tokens, batch: batch, checkpointing: false)
        let (checkpointed, loss) = gradients(model, tokens: tokens, batch: batch, checkpointing: true)
        #expect(plainLoss == loss)
        #expect(plain.values.allSatisfy { !$0.isEmpty }, "a parameter got no gradient")
        var worst: Float = 0
        for (name, g) in plain {
            let c = checkpointed[name] ?? []
            guard c.count == g.count else {
                Issue.record("\(name): \(c.count) gradient values with checkpointing, \(g.count) without")
                continue
            }
            let scale = max(g.map(abs).max() ?? 0, 1e-30)
            worst = max(worst, (zip(g, c).map { abs($0 - $1) }.max() ?? 0) / scale)
        }
        print("\(model.architecture): largest relative gradient difference with checkpointing \(worst)")
        #expect(worst <= 1e-6)
    }

    @Test("tiny random Llama (tied, GQA): every parameter's gradient is unchanged")
    func tinyLlamaModel() throws {
        Self.expectSame(try tinyLlama(layout: .halfRotation, tied: true), tokens: [1, 5, 9, 2, 30, 7, 3, 3, 11, 0], batch: 2)
    }

    @Test("tiny random GPT-2: every parameter's gradient is unchanged")
    func tinyGPT2() throws {
        let c = GPT2Configuration(embeddingSize: 8, layerCount: 2, headCount: 2, positionCount: 8, vocabSize: 7, innerSize: 12)
        var rng = RandomGenerator(seed: 4)
        var weights: [String: Tensor] = [:]
        for (name, shape) in c.parameterShapes {
            let t = Tensor.randn(shape, std: 0.3, using: &rng)
            weights[name] = name.contains("ln_") && name.hasSuffix(".weight") ? t + Tensor.ones(shape) : t
        }
        Self.expectSame(try GPT2Model(configuration: c, weights: weights), tokens: [1, 5, 2, 6, 0, 3], batch: 2)
    }

    @Test("stories260K-hf: every parameter's gradient is unchanged",
          .enabled(if: SharedModels.has("stories260K-hf/config.json"), SharedModels.missingReason("stories260K-hf")))
    func stories() throws {
        let model = try HuggingFaceDirectory.loadLlama(path: SharedModels.path("stories260K-hf"))
        Self.expectSame(model, tokens: [1, 403, 407, 261, 378, 275, 300, 1, 366, 448, 390, 270], batch: 2)
    }

    @Test("a cached forward and a forward without gradients ignore the switch")
    func inferenceUnchanged() throws {
        let model = try tinyLlama(layout: .halfRotation, tied: false)
        let tokens = [1, 5, 9, 2]
        let plain = GradMode.withoutGradients { model.forward(tokens: tokens, batch: 1, cache: nil, lastPositionOnly: false) }.scalars
        model.gradientCheckpointing = true
        let switched = GradMode.withoutGradients { model.forward(tokens: tokens, batch: 1, cache: nil, lastPositionOnly: false) }.scalars
        #expect(plain == switched)
    }
}
