import Foundation
import HoneModels
import HonePEFT
import HoneTensor

/// A weight that training updates, by the name checkpoints store it under.
public struct TrainableParameter {
    public var name: String
    public var tensor: Tensor
    public init(name: String, tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }
}

/// Where a run is: optimizer steps taken and micro-batches consumed. With the seed, this is
/// all the random state there is (batch order and dropout masks derive from it).
public struct TrainerPosition: Codable, Sendable, Equatable {
    public var step = 0
    public var microBatch = 0
    public init(step: Int = 0, microBatch: Int = 0) {
        self.step = step
        self.microBatch = microBatch
    }
}

/// One optimizer step, as runs log it.
public struct StepRecord: Codable, Sendable {
    /// 1-based: the number of updates applied after this step.
    public var step: Int
    public var epoch: Double
    public var loss: Double
    public var learningRate: Double
    public var gradientNorm: Double
    /// Real (non-padding) tokens in the step's batches, and those that carried a loss.
    public var tokens: Int
    public var targetTokens: Int
    public var seconds: Double
    /// What the objective reports beside the loss (preference accuracy, reward margin, …).
    public var figures: [String: Double] = [:]
}

public enum StepResult {
    case completed(StepRecord)
    /// The loss or the gradient norm was NaN or infinite; nothing was updated.
    /// `restoredPreviousStep`: the weights from before the previous update were put back (the
    /// loss was not finite); otherwise the weights are the current ones (only the gradient was).
    case nonFinite(step: Int, loss: Double, gradientNorm: Double, restoredPreviousStep: Bool)
}

/// Supervised fine-tuning, one optimizer step at a time: `accumulate` micro-batches of
/// `batchSize` examples, each loss the micro-batch's summed cross-entropy ÷ the target tokens of
/// the whole step (so `batch=8` and `batch=1 accumulate=8` take the same step), then clipping,
/// the learning rate of the schedule, and the optimizer's update.
public final class Trainer {
    public let model: any LanguageModel
    public let parameters: [TrainableParameter]
    public let optimizer: any Optimizer
    public let settings: TrainingSettings
    public let objective: any TrainingObjective
    /// The SFT examples (empty for other objectives).
    public var examples: [(ids: [Int], labels: [Int])] { (objective as? SFTObjective)?.examples ?? [] }
    public let totalSteps: Int
    public internal(set) var position = TrainerPosition()
    /// The LoRA layers whose dropout masks follow the position (empty for full fine-tuning).
    let dropoutLayers: [LoRALayer]
    let padID: Int
    var order: BatchOrder
    /// The weights before the latest update, to put back when the next loss is not finite.
    private var lastGood: [[Float]] = []

    /// Supervised fine-tuning on `examples`.
    public convenience init(model: any LanguageModel, parameters: [TrainableParameter], examples: [(ids: [Int], labels: [Int])],
                            settings: TrainingSettings, dropoutLayers: [LoRALayer] = [], padID: Int = 0) throws {
        try self.init(model: model, parameters: parameters, objective: SFTObjective(examples: examples, padID: padID),
                      settings: settings, dropoutLayers: dropoutLayers, padID: padID)
    }

    public init(model: any LanguageModel, parameters: [TrainableParameter], objective: any TrainingObjective,
                settings: TrainingSettings, dropoutLayers: [LoRALayer] = [], padID: Int = 0) throws {
        guard !parameters.isEmpty else { throw TrainingError.nothingTrainable }
        guard objective.exampleCount > 0 else { throw TrainingError.noExamples }
        self.model = model
        self.parameters = parameters
        self.settings = settings
        self.objective = objective
        self.dropoutLayers = dropoutLayers
        self.padID = padID
        order = BatchOrder(exampleCount: objective.exampleCount, batchSize: settings.batchSize, seed: settings.seed)
        let perEpoch = Double(order.batchesPerEpoch) / Double(settings.accumulate)
        totalSteps = settings.steps ?? max(1, Int((perEpoch * (settings.epochs ?? 1)).rounded(.up)))
        let tensors = parameters.map(\.tensor)
        switch settings.optimizer {
        case .adamw:
            let adam = AdamW(parameters: tensors, weightDecay: Float(settings.weightDecay), beta1: Float(settings.beta1),
                             beta2: Float(settings.beta2), epsilon: Float(settings.epsilon))
            adam.weightDecay = parameters.map { settings.decayBiasesAndNorms || !Self.isBiasOrNorm($0.name, in: model) ? Float(settings.weightDecay) : 0 }
            optimizer = adam
        case .sgd:
            let sgd = SGD(parameters: tensors, momentum: Float(settings.momentum), weightDecay: Float(settings.weightDecay))
            sgd.weightDecay = parameters.map { settings.decayBiasesAndNorms || !Self.isBiasOrNorm($0.name, in: model) ? Float(settings.weightDecay) : 0 }
            optimizer = sgd
        }
    }

    /// Hugging Face's Trainer decays every weight except biases and LayerNorm/RMSNorm weights.
    /// The model's own parameter kinds say which those are; adapter matrices are decayed.
    public static func isBiasOrNorm(_ name: String, in model: any LanguageModel) -> Bool {
        switch model.parameterKind(of: name) {
        case .bias?, .norm?: true
        default: false
        }
    }

    /// The names of the parameters weight decay skips, for the run's settings.
    public var undecayedParameterNames: [String] {
        settings.decayBiasesAndNorms ? [] : parameters.map(\.name).filter { Self.isBiasOrNorm($0, in: model) }
    }

    public var isFinished: Bool { position.step >= totalSteps }
    public var batchesPerEpoch: Int { order.batchesPerEpoch }
    public var epoch: Double { Double(position.microBatch) / Double(order.batchesPerEpoch) }

    /// One optimizer step. On a non-finite loss or gradient the weights are left as they were
    /// before the previous update (the last that gave a finite loss) and nothing is applied.
    /// In the precision of `settings` (FP32 when it has none).
    public func step() -> StepResult {
        Precision.$current.withValue(settings.precision ?? .fp32) { stepInPrecision() }
    }

    private func stepInPrecision() -> StepResult {
        let start = ContinuousClock.now
        let micro = (0..<settings.accumulate).map { order.batch(position.microBatch + $0) }
        let stepWeight = micro.reduce(0) { $0 + objective.weight(of: $1) }
        model.gradientCheckpointing = settings.gradientCheckpointing
        // Set here, not at construction, so a command that fails before its first step leaves
        // frozen weights frozen; `TrainingRunner` clears it again after full fine-tuning.
        for p in parameters where !p.tensor.requiresGrad { p.tensor.requiresGrad = true }
        var total = 0.0, tokens = 0
        for (k, indices) in micro.enumerated() {
            for layer in dropoutLayers { layer.step = UInt64(position.microBatch + k) }
            let (loss, count) = objective.loss(model: model, indices: indices, stepWeight: stepWeight, microBatch: position.microBatch + k)
            let value = Double(loss.scalars[0])
            total += value
            tokens += count
            guard value.isFinite else { return nonFinite(loss: value, norm: .nan, restoring: true) }
            loss.backward()
        }
        let norm = settings.maxGradientNorm > 0 ? optimizer.clipGradients(maxNorm: settings.maxGradientNorm) : optimizer.gradientNorm
        // The loss was finite, so the current weights are still good: skip the update only.
        guard norm.isFinite else { return nonFinite(loss: total, norm: norm, restoring: false) }
        let lr = settings.learningRate(step: position.step, total: totalSteps)
        snapshot()
        optimizer.update(lr: Float(lr))
        optimizer.zeroGradients()
        position.step += 1
        position.microBatch += settings.accumulate
        var record = StepRecord(step: position.step, epoch: epoch, loss: total, learningRate: lr, gradientNorm: norm,
                                tokens: tokens, targetTokens: stepWeight, seconds: (ContinuousClock.now - start).seconds)
        record.figures = objective.takeStepFigures()
        return .completed(record)
    }

    /// Copies the weights into `lastGood`, reusing its buffers (a full fine-tuning step copies
    /// every weight, so no allocation per step).
    private func snapshot() {
        if lastGood.isEmpty { lastGood = parameters.map { [Float](repeating: 0, count: $0.tensor.count) } }
        for (i, p) in parameters.enumerated() {
            let source = p.tensor
            precondition(source.isContiguous, "Trainer: parameter \(p.name) is a view")
            withExtendedLifetime(source) {
                lastGood[i].withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: source.pointer, count: source.count) }
            }
        }
    }

    private func nonFinite(loss: Double, norm: Double, restoring: Bool) -> StepResult {
        optimizer.zeroGradients()
        _ = objective.takeStepFigures()
        let restored = restoring && !lastGood.isEmpty
        if restored {
            for (p, values) in zip(parameters, lastGood) { p.tensor.assign(values) }
        }
        return .nonFinite(step: position.step + 1, loss: loss, gradientNorm: norm, restoredPreviousStep: restored)
    }

    /// The mean loss per target token over `examples`, without gradients.
    public func meanLoss(on examples: [(ids: [Int], labels: [Int])]) -> Double {
        var sum = 0.0, targets = 0
        GradMode.withoutGradients {
            for start in stride(from: 0, to: examples.count, by: settings.batchSize) {
                let batch = CausalLMBatch(examples: Array(examples[start..<min(examples.count, start + settings.batchSize)]), padID: padID)
                guard batch.targetCount > 0 else { continue }
                sum += Double(CausalLMLoss.loss(model: model, batch: batch, normalizer: 1).scalars[0])
                targets += batch.targetCount
            }
        }
        return targets > 0 ? sum / Double(targets) : .nan
    }

    /// Restores a checkpoint's position (its weights and optimizer state are restored by `TrainerCheckpoint`).
    func restore(position: TrainerPosition) { self.position = position }
}

public enum TrainingError: Error, CustomStringConvertible, Sendable {
    case nothingTrainable
    case noExamples
    case checkpoint(String)

    public var description: String {
        switch self {
        case .nothingTrainable: "nothing to train: the model has no active adapter"
        case .noExamples: "the training data has no examples"
        case .checkpoint(let message): message
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
