import HoneModels
import HoneTensor

/// What a training step minimises, over micro-batches of examples chosen by index. The trainer
/// owns everything else (order, accumulation, clipping, the optimizer, checkpoints), so SFT and
/// preference optimisation share one loop, one progress line and one resume.
public protocol TrainingObjective: AnyObject {
    var exampleCount: Int { get }
    /// How much a micro-batch weighs in its step: SFT counts target tokens, preference
    /// optimisation counts pairs. Losses are normalised by the step's total.
    func weight(of indices: [Int]) -> Int
    /// The micro-batch's loss, its share of the step already applied (÷ `stepWeight`), and the
    /// real tokens it ran on. `microBatch` is the global micro-batch index: an objective that
    /// samples seeds from it, so a resumed run draws what the uninterrupted one drew.
    func loss(model: any LanguageModel, indices: [Int], stepWeight: Int, microBatch: Int) -> (loss: Tensor, tokens: Int)
    /// Figures the last step produced beside its loss (preference accuracy, margins), for the log.
    func takeStepFigures() -> [String: Double]
}

extension TrainingObjective {
    public func takeStepFigures() -> [String: Double] { [:] }
}

/// Supervised fine-tuning: summed cross-entropy over target tokens ÷ the step's target tokens.
public final class SFTObjective: TrainingObjective {
    public let examples: [(ids: [Int], labels: [Int])]
    let padID: Int

    public init(examples: [(ids: [Int], labels: [Int])], padID: Int = 0) {
        self.examples = examples
        self.padID = padID
    }

    public var exampleCount: Int { examples.count }

    public func weight(of indices: [Int]) -> Int {
        // A label counts when it is predicted from a previous position (the first never is).
        indices.reduce(0) { $0 + examples[$1].labels.dropFirst().filter { $0 != SFTExample.ignoreLabel }.count }
    }

    public func loss(model: any LanguageModel, indices: [Int], stepWeight: Int, microBatch: Int) -> (loss: Tensor, tokens: Int) {
        let chosen = indices.map { examples[$0] }
        let batch = CausalLMBatch(examples: chosen, padID: padID)
        return (CausalLMLoss.loss(model: model, batch: batch, normalizer: stepWeight), chosen.reduce(0) { $0 + $1.ids.count })
    }
}
