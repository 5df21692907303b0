import Foundation
import HoneModels
import HoneTensor

/// How well a model predicts a set of labelled examples, token by token.
public struct LossMetrics: Sendable, Codable, Equatable {
    /// Mean cross-entropy (natural log) over all target tokens of all examples, so a long
    /// example weighs more than a short one, as in training.
    public var loss: Double
    /// exp(`loss`).
    public var perplexity: Double
    /// The fraction of target tokens whose most likely next token (argmax of the logits,
    /// the first on a tie) is the target.
    public var tokenAccuracy: Double
    /// Positions that carried a label other than -100 (after the shift to next-token targets).
    public var targetTokens: Int
    public var examples: Int

    public init(loss: Double, perplexity: Double, tokenAccuracy: Double, targetTokens: Int, examples: Int) {
        self.loss = loss
        self.perplexity = perplexity
        self.tokenAccuracy = tokenAccuracy
        self.targetTokens = targetTokens
        self.examples = examples
    }
}

/// Held-out loss, perplexity and token accuracy of a causal language model, without gradients.
///
/// Cross-entropy is computed here from the logits (a stable log-softmax per row, in Double),
/// not through `Tensor.crossEntropy`, so the argmax for accuracy comes from the same pass and
/// the sums over thousands of tokens do not lose precision in Float.
public enum LossEvaluation {
    /// Scores `examples` (ids and labels as `SFTExamples` makes them; -100 carries no loss) in
    /// batches of `batchSize`. Examples are sorted by length before batching so batches hold
    /// similar lengths and little padding; the sums do not depend on the order, so the result
    /// is the same up to float rounding whatever order the examples come in.
    /// A batch's logits are batchSize × longest length × vocabulary floats at once (8 × 512 ×
    /// 151,936 is 2.5 GB), so a large vocabulary wants a smaller `batchSize`.
    /// `isCancelled` is asked before every batch.
    public static func evaluate(
        model: any LanguageModel, examples: [(ids: [Int], labels: [Int])], batchSize: Int = 8, padID: Int = 0,
        isCancelled: () -> Bool = { false }
    ) throws(EvaluationError) -> LossMetrics {
        guard !examples.isEmpty else { throw .noExamples }
        for (i, e) in examples.enumerated() {
            guard e.ids.count == e.labels.count else {
                throw .lengthMismatch(index: i, ids: e.ids.count, labels: e.labels.count)
            }
            do { try model.validate(tokens: e.ids) } catch { throw .invalidExample(index: i, error) }
            if let bad = e.labels.first(where: { $0 != SFTExample.ignoreLabel && !(0..<model.vocabularySize).contains($0) }) {
                throw .labelOutOfRange(index: i, label: bad, vocabularySize: model.vocabularySize)
            }
        }
        let order = examples.indices.sorted { (examples[$0].ids.count, $0) < (examples[$1].ids.count, $1) }
        var total = Sums()
        var done = 0
        for start in stride(from: 0, to: order.count, by: max(1, batchSize)) {
            if isCancelled() { throw .interrupted(completedExamples: done) }
            let chosen = order[start..<min(order.count, start + max(1, batchSize))].map { examples[$0] }
            let batch = CausalLMBatch(examples: chosen, padID: padID)
            let logits = GradMode.withoutGradients {
                model.forward(tokens: batch.tokens, batch: batch.batch, cache: nil).contiguous()
            }
            withExtendedLifetime(logits) {
                total.add(logits: UnsafeBufferPointer(start: logits.pointer, count: logits.count),
                          vocabulary: model.vocabularySize, targets: batch.targets)
            }
            done += chosen.count
        }
        guard total.targets > 0 else { throw .noTargetTokens }
        let loss = total.negativeLogLikelihood / Double(total.targets)
        return LossMetrics(loss: loss, perplexity: exp(loss), tokenAccuracy: Double(total.correct) / Double(total.targets),
                           targetTokens: total.targets, examples: examples.count)
    }

    /// Running sums over target positions.
    struct Sums {
        var negativeLogLikelihood = 0.0
        var correct = 0
        var targets = 0

        /// Adds the rows of `logits` ([rows, vocabulary], row-major) whose target is not -100.
        mutating func add(logits: UnsafeBufferPointer<Float>, vocabulary: Int, targets rowTargets: [Int]) {
            for (row, target) in rowTargets.enumerated() where target != SFTExample.ignoreLabel {
                let r = UnsafeBufferPointer(rebasing: logits[row * vocabulary..<(row + 1) * vocabulary])
                var best = 0
                for j in 1..<vocabulary where r[j] > r[best] { best = j }
                let top = Double(r[best])
                var sum = 0.0
                for j in 0..<vocabulary { sum += exp(Double(r[j]) - top) }
                // -log softmax(target) = log Σ exp(x - max) + max - x_target.
                negativeLogLikelihood += log(sum) + top - Double(r[target])
                if best == target { correct += 1 }
                targets += 1
            }
        }
    }
}
