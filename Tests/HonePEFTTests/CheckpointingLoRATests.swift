import HoneModels
import HoneTensor
import Testing
@testable import HonePEFT

/// Gradient checkpointing with adapters: A and B (and DoRA's magnitude) are captured by the
/// model's linear hook inside each checkpointed layer, and still get their gradients.
@Suite("gradient checkpointing with LoRA")
struct CheckpointingLoRATests {
    /// The adapter's gradients (in its parameter order) and the loss, after one backward.
    static func adapterGradients(_ model: any LanguageModel, _ adapter: LoRAAdapter, tokens: [Int], checkpointing: Bool) -> ([[Float]], Float) {
        var model = model
        model.gradientCheckpointing = checkpointing
        for p in adapter.trainableParameters { p.zeroGrad() }
        let logits = model.forward(tokens: tokens, batch: 1, cache: nil, lastPositionOnly: false)
        let targets = Array(tokens.dropFirst()) + [-100]
        let loss = Tensor.crossEntropy(logits: logits, targets: targets)
        loss.backward()
        model.gradientCheckpointing = false
        return (adapter.trainableParameters.map { $0.grad?.scalars ?? [] }, loss.item())
    }

    /// Runs with and without checkpointing from the same dropout counters.
    static func expectSame(_ model: any LanguageModel, settings: LoRASettings, tokens: [Int]) throws {
        let adapter = try LoRAAdapter.fresh(name: "default", settings: settings, on: model)
        randomize(adapter, seed: 8)
        let set = AdapterSet.on(model)
        try set.add(adapter)
        let steps = adapter.layers.map(\.step)
        let (plain, plainLoss) = adapterGradients(model, adapter, tokens: tokens, checkpointing: false)
        for (layer, step) in zip(adapter.layers, steps) { layer.step = step }
        let (checkpointed, loss) = adapterGradients(model, adapter, tokens: tokens, checkpointing: true)
        #expect(plainLoss == loss)
        #expect(!plain.isEmpty && plain.allSatisfy { !$0.isEmpty }, "an adapter parameter got no gradient")
        var worst: Float = 0
        for (g, c) in zip(plain, checkpointed) {
            guard g.count == c.count else { Issue.record("\(c.count) gradient values with checkpointing, \(g.count) without"); continue }
            let scale = max(g.map(abs).max() ?? 0, 1e-30)
            worst = max(worst, (zip(g, c).map { abs($0 - $1) }.max() ?? 0) / scale)
        }
        print("LoRA (dropout \(settings.dropout), DoRA \(settings.dora)): largest relative gradient difference \(worst)")
        #expect(worst <= 1e-6)
        // Each layer drew one dropout stream per real forward, none for the recomputation.
        if settings.dropout > 0 { #expect(zip(adapter.layers, steps).allSatisfy { $0.step == $1 + 1 }) }
    }

    @Test("random tiny Llama: LoRA with dropout on every projection, and DoRA", arguments: [false, true])
    func tiny(dora: Bool) throws {
        let settings = LoRASettings(rank: 4, alpha: 8, dropout: dora ? 0 : 0.2,
                                    targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], dora: dora, seed: 3)
        try Self.expectSame(try randomLlama(), settings: settings, tokens: [3, 1, 4, 1, 5, 9, 2, 6])
    }

    @Test("stories260K-hf: LoRA on q and v with dropout",
          .enabled(if: AdapterFixtures.has("stories260K-hf/config.json"), AdapterFixtures.missingReason("stories260K-hf")))
    func stories() throws {
        let model = try HuggingFaceDirectory.loadLlama(path: AdapterFixtures.path("stories260K-hf"))
        try Self.expectSame(model, settings: LoRASettings(rank: 8, alpha: 16, dropout: 0.1, seed: 5),
                            tokens: [1, 403, 407, 261, 378, 275, 300, 1, 366, 448, 390, 270])
    }
}
