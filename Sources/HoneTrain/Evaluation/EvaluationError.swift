import HoneModels

/// Why an evaluation produced no metrics. Evaluations stop at the first problem rather than
/// skip examples, so a reported metric always covers the whole set asked for.
public enum EvaluationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `isCancelled` answered true; `completedExamples` had been scored (and are discarded).
    case interrupted(completedExamples: Int)
    /// The example list is empty.
    case noExamples
    /// No example has a label other than -100, so there is no loss to average.
    case noTargetTokens
    /// Example `index` has `ids` and `labels` of different lengths.
    case lengthMismatch(index: Int, ids: Int, labels: Int)
    /// Example `index` has a label that is neither -100 nor a token id of the model.
    case labelOutOfRange(index: Int, label: Int, vocabularySize: Int)
    /// Example `index` cannot run on the model (empty, an id outside the vocabulary, too long).
    case invalidExample(index: Int, ModelInputError)

    public var description: String {
        switch self {
        case .interrupted(let done): "the evaluation was interrupted after \(done) example\(done == 1 ? "" : "s")"
        case .noExamples: "there are no examples to evaluate"
        case .noTargetTokens: "no example has a target token (every label is -100)"
        case .lengthMismatch(let index, let ids, let labels):
            "example \(index) has \(ids) ids but \(labels) labels"
        case .labelOutOfRange(let index, let label, let vocabularySize):
            "example \(index) has the label \(label), neither -100 nor in 0..<\(vocabularySize)"
        case .invalidExample(let index, let error): "example \(index): \(error)"
        }
    }
}
