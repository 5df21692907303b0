import Foundation
import HoneModels
import HoneTensor

/// The memory a `train` will need, estimated before it starts, by part. The activation term is
/// calibrated on `hone-bench train` (shapes S and M, batch 8 × 256): it over-estimates peak
/// resident memory by at most about 20% there, so a refusal means the run would not fit.
public struct TrainingMemory: Sendable {
    public var parts: [(name: String, bytes: Int)]
    public var total: Int { parts.reduce(0) { $0 + $1.bytes } }
    /// What the run adds to a process that already holds the model: everything but the weights
    /// (free memory already excludes them). This is what must fit.
    public var additional: Int { parts.filter { $0.name != "weights" }.reduce(0) { $0 + $1.bytes } }

    /// - Parameters:
    ///   - trainable: the parameters the run updates.
    ///   - tokensPerMicroBatch: batch × the longest sequence.
    public init(model: any LanguageModel, trainable: Int, settings: TrainingSettings, sequenceLength: Int) {
        // From counts, not `model.parameters`, which would dequantise a QLoRA base.
        let quantized = model.quantizedWeights.values
        let weightBytes = Double(model.parameterCount - quantized.reduce(0) { $0 + $1.count }) * 4
            + Double(quantized.reduce(0) { $0 + $1.byteCount })
        let t = Double(min(sequenceLength, model.contextLength)), batch = Double(settings.batchSize)
        let (layers, hidden, vocab, heads) = (Double(model.layerCount), Double(model.hiddenSize), Double(model.vocabularySize),
                                              Double(model.attentionHeads))
        let mlpWidth = Double(model.linearModules.first { $0.shortName == "up_proj" || $0.shortName == "c_fc" }?.outFeatures ?? model.hiddenSize * 4)
        // Saved floats per token: about a dozen hidden-size vectors, four MLP-width ones and the
        // attention probabilities per layer, and the logits with their gradient. With gradient
        // checkpointing only each layer's input is kept, plus one layer being recomputed.
        let perLayer = 12 * hidden + 4 * mlpWidth + heads * t
        let perToken = settings.gradientCheckpointing ? layers * hidden + perLayer + 2 * vocab : layers * perLayer + 2 * vocab
        let activations = perToken * t * batch * 4 * 1.25
        let optimizerBuffers = settings.optimizer == .adamw ? 2.0 : (settings.momentum > 0 ? 1.0 : 0.0)
        // Gradients, optimizer buffers, the snapshot kept to undo a non-finite step, and the
        // best weights when early stopping is on.
        let copies = 1 + optimizerBuffers + 1 + (settings.patience != nil ? 1 : 0)
        func bytes(_ v: Double) -> Int { Int(min(v, 9e18)) }
        parts = [
            ("weights", bytes(weightBytes)),
            ("gradients, optimizer state and snapshots", bytes(Double(trainable) * 4 * copies)),
            ("activations (\(settings.batchSize) × \(Int(t)) tokens\(settings.gradientCheckpointing ? ", checkpointed" : ""))", bytes(activations)),
            ("runtime", 150 << 20),
        ]
        // bf16 products on oneDNN read a bf16 copy of each float weight, kept beside it (the
        // FP32 weights stay, so `precision=fp32` gives its own numbers again).
        if settings.precision?.effective == .bf16 {
            let floats = Double(model.parameterCount - quantized.reduce(0) { $0 + $1.count })
            parts.insert(("bf16 copies of the weights", bytes(floats * 2)), at: 1)
        }
    }

    /// MemAvailable from /proc/meminfo, or nil where there is none.
    public static func available() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 }
        }
        return nil
    }
}
