import Foundation
import HoneModels
import HoneTensor
import Testing
@testable import HoneTrain

/// A random Llama (vocabulary 32, context 32) and examples of mixed lengths whose prompts carry
/// no loss, so the evaluation's batching and padding matter.
enum EvaluationFixture {
    static func model(seed: UInt64 = 3) throws -> LlamaModel { try TinySetup.model(seed: seed, context: 32) }

    static func examples() -> [(ids: [Int], labels: [Int])] {
        let lengths = [5, 12, 3, 9, 7, 12, 4]
        return lengths.enumerated().map { i, n in
            let ids = (0..<n).map { (7 * i + 5 * $0 + 1) % 32 }
            let prompt = min(2, n - 1)
            return (ids, Array(repeating: -100, count: prompt) + ids.dropFirst(prompt))
        }
    }
}

@Suite("held-out loss, perplexity and token accuracy")
struct LossEvaluationTests {
    @Test("the loss equals CausalLMLoss's summed cross-entropy ÷ target count on the same examples")
    func matchesTrainingLoss() throws {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try EvaluationFixture.model()
        let examples = EvaluationFixture.examples()
        let batch = CausalLMBatch(examples: examples)
        let reference = GradMode.withoutGradients {
            CausalLMLoss.loss(model: model, batch: batch, normalizer: batch.targetCount).item()
        }
        let metrics = try LossEvaluation.evaluate(model: model, examples: examples, batchSize: 2)
        #expect(abs(metrics.loss - Double(reference)) < 1e-5)
        #expect(metrics.perplexity == exp(metrics.loss))
        #expect(metrics.targetTokens == batch.targetCount)
        #expect(metrics.examples == examples.count)
        #expect(metrics.tokenAccuracy >= 0 && metrics.tokenAccuracy <= 1)
    }

    @Test("the order of the examples and the batch size change nothing beyond rounding")
    func orderIndependent() throws {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try EvaluationFixture.model()
        let examples = EvaluationFixture.examples()
        let a = try LossEvaluation.evaluate(model: model, examples: examples, batchSize: 3)
        let b = try LossEvaluation.evaluate(model: model, examples: examples.reversed(), batchSize: 1)
        #expect(abs(a.loss - b.loss) < 1e-6)
        #expect(a.tokenAccuracy == b.tokenAccuracy)
        #expect(a.targetTokens == b.targetTokens)
    }

    @Test("per-row cross-entropy and accuracy by hand: stable log-softmax, argmax, -100 skipped")
    func handChecked() {
        // Three rows over a vocabulary of 3; the last row's target is ignored.
        let logits: [Float] = [2, 1, 0, 0, 0, 5, 1, 3, 2]
        var sums = LossEvaluation.Sums()
        logits.withUnsafeBufferPointer { sums.add(logits: $0, vocabulary: 3, targets: [0, 1, -100]) }
        let row0 = log(exp(2.0) + exp(1.0) + exp(0.0)) - 2  // target 0 is the argmax: correct
        let row1 = log(exp(0.0) + exp(0.0) + exp(5.0)) - 0  // target 1, argmax 2: wrong
        #expect(sums.targets == 2)
        #expect(sums.correct == 1)
        #expect(abs(sums.negativeLogLikelihood - (row0 + row1)) < 1e-12)
    }

    @Test("huge logits do not overflow the log-softmax")
    func stable() {
        let logits: [Float] = [1000, 999, -1000]
        var sums = LossEvaluation.Sums()
        logits.withUnsafeBufferPointer { sums.add(logits: $0, vocabulary: 3, targets: [1]) }
        #expect(abs(sums.negativeLogLikelihood - (1 + log(1 + exp(-1.0)))) < 1e-9)
        #expect(sums.correct == 0)
    }

    @Test("an interrupted evaluation throws, saying how far it got")
    func interrupted() throws {
        let model = try EvaluationFixture.model()
        var asked = 0
        #expect(throws: EvaluationError.interrupted(completedExamples: 2)) {
            try LossEvaluation.evaluate(model: model, examples: EvaluationFixture.examples(), batchSize: 2) {
                asked += 1
                return asked > 1
            }
        }
    }

    @Test("bad input is a typed error, not a crash")
    func badInput() throws {
        let model = try EvaluationFixture.model()
        #expect(throws: EvaluationError.noExamples) { try LossEvaluation.evaluate(model: model, examples: []) }
        #expect(throws: EvaluationError.noTargetTokens) {
            try LossEvaluation.evaluate(model: model, examples: [([1, 2, 3], [-100, -100, -100])])
        }
        #expect(throws: EvaluationError.lengthMismatch(index: 0, ids: 2, labels: 1)) {
            try LossEvaluation.evaluate(model: model, examples: [([1, 2], [2])])
        }
        #expect(throws: EvaluationError.invalidExample(index: 1, .tokenOutOfRange(index: 1, id: 99, vocabularySize: 32))) {
            try LossEvaluation.evaluate(model: model, examples: [([1, 2], [1, 2]), ([1, 99], [1, 2])])
        }
        #expect(throws: EvaluationError.labelOutOfRange(index: 0, label: 40, vocabularySize: 32)) {
            try LossEvaluation.evaluate(model: model, examples: [([1, 2], [-100, 40])])
        }
    }

    @Test("on stories260K the loss matches CausalLMLoss on the recorded SFT examples",
          .enabled(if: Shared.has("stories260K-sft-trajectory/reference.json"), "the shared models are absent"))
    func stories() throws {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let examples = Array(try TrajectoryTests.examples().prefix(8))
        let batch = CausalLMBatch(examples: examples)
        let reference = GradMode.withoutGradients {
            CausalLMLoss.loss(model: model, batch: batch, normalizer: batch.targetCount).item()
        }
        let metrics = try LossEvaluation.evaluate(model: model, examples: examples, batchSize: 3)
        #expect(abs(metrics.loss - Double(reference)) < 1e-5)
        #expect(metrics.tokenAccuracy > 0)
    }
}
