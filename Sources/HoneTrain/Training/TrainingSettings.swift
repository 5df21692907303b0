import Foundation
import HoneTensor

/// What `train` trains: the active adapter's weights, or every weight of the model.
public enum TrainingMethod: String, Codable, Sendable, CaseIterable {
    case adapter
    case full
}

public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case adamw
    case sgd
}

public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    case constant
    case linear
    case cosine
}

/// Every setting of a training run. Defaults follow Hugging Face's Trainer where it has one
/// (linear schedule, no warm-up, weight decay 0, clipping at norm 1, AdamW 0.9/0.999/1e-8),
/// so a run here and a run there start from the same assumptions.
public struct TrainingSettings: Codable, Sendable, Equatable {
    public var method = TrainingMethod.adapter
    /// Optimizer steps; when nil, `epochs` decides.
    public var steps: Int?
    /// Passes over the data (fractions allowed); 1 when neither this nor `steps` is given.
    public var epochs: Double?
    public var learningRate = 2e-4
    /// Examples per micro-batch.
    public var batchSize = 8
    /// Micro-batches per optimizer step.
    public var accumulate = 1
    /// The longest example, in tokens, after templating; longer ones are truncated.
    public var sequenceLength = 512
    public var schedule = ScheduleKind.linear
    public var warmupSteps = 0
    public var optimizer = OptimizerKind.adamw
    public var weightDecay = 0.0
    /// Hugging Face's Trainer exempts biases and norm weights from weight decay; so does hone,
    /// unless this is set.
    public var decayBiasesAndNorms = false
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var epsilon = 1e-8
    public var momentum = 0.9
    /// Global gradient-norm clipping; 0 turns it off.
    public var maxGradientNorm = 1.0
    public var evalEvery: Int?
    /// Stop after this many evaluations without a lower validation loss.
    public var patience: Int?
    public var saveEvery: Int?
    public var sampleEvery: Int?
    public var samplePrompts: [String] = []
    public var sampleTokens = 48
    public var seed: UInt64 = 0
    /// Take the loss on prompt tokens too (the default is the completion only).
    public var trainOnAll = false
    public var gradientCheckpointing = false
    /// The precision of the run's matrix products (`Precision`); every trained weight's master
    /// copy, the optimizer state, norms and losses stay FP32 either way. Nil in configurations
    /// written before precision was a setting: those ran in FP32.
    public var precision: Precision?

    public init() {}

    /// The learning rate at 0-based optimizer step `step` of `total`.
    public func learningRate(step: Int, total: Int) -> Double {
        switch schedule {
        case .constant:
            // Constant after a linear warm-up, as `get_constant_schedule_with_warmup`.
            return step < warmupSteps ? learningRate * Double(step) / Double(warmupSteps) : learningRate
        case .linear:
            return LearningRateSchedule.linear(warmup: warmupSteps, total: total).rate(step: step, peak: learningRate)
        case .cosine:
            return LearningRateSchedule.cosine(warmup: warmupSteps, total: total).rate(step: step, peak: learningRate)
        }
    }
}
