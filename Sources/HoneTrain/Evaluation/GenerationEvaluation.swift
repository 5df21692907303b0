import HoneModels

/// One prompt's generated answer and its scores.
public struct GenerationPrediction: Sendable, Codable, Equatable {
    public var prompt: String
    public var reference: String
    /// The generated text, without the end-of-sequence token or a stop string.
    public var prediction: String
    public var exactMatch: Bool
    public var contains: Bool
    public var rougeL: Double
    /// The tokens generated (the end-of-sequence token not counted).
    public var newTokens: Int
}

/// Mean answer scores over a set of prompts, with every prediction kept for inspection.
public struct GenerationMetrics: Sendable, Codable, Equatable {
    /// The fraction of predictions equal to their reference after `TextMetrics.normalize`.
    public var exactMatch: Double
    /// The fraction of predictions that contain their normalised reference.
    public var contains: Double
    /// Mean ROUGE-L F1.
    public var rougeL: Double
    public var predictions: [GenerationPrediction]

    public var examples: Int { predictions.count }
}

/// Scores a model's greedy answers to prompts against reference answers.
public enum GenerationEvaluation {
    /// Generates greedily after each prompt (tokenised as `SFTExample` tokenises a prompt: BOS
    /// when the tokenizer has one, then the text) until end-of-sequence, a stop string or
    /// `maxNewTokens`, and scores the text with `TextMetrics`. Greedy decoding makes the result
    /// depend only on the model and the prompts. `isCancelled` is asked before every token.
    public static func evaluate(
        model: any LanguageModel, tokenizer: any Tokenizer, items: [(prompt: String, reference: String)],
        maxNewTokens: Int = 64, stopStrings: [String] = [], isCancelled: () -> Bool = { false }
    ) throws(EvaluationError) -> GenerationMetrics {
        guard !items.isEmpty else { throw .noExamples }
        let prompts = items.map { item in
            (tokenizer.bos.map { [$0] } ?? []) + (item.prompt.isEmpty ? [] : tokenizer.encode(item.prompt, bos: false))
        }
        for (i, ids) in prompts.enumerated() {
            do { try model.validate(tokens: ids) } catch { throw .invalidExample(index: i, error) }
        }
        let settings = GenerationSettings(maxNewTokens: maxNewTokens, sampling: .greedy, stopStrings: stopStrings,
                                          stopAtEndOfSequence: true)
        var predictions: [GenerationPrediction] = []
        for (item, ids) in zip(items, prompts) {
            if isCancelled() { throw .interrupted(completedExamples: predictions.count) }
            let result = Generator.run(model: model, tokenizer: tokenizer, prompt: ids, settings: settings,
                                       isCancelled: isCancelled)
            if result.stopReason == .interrupted { throw .interrupted(completedExamples: predictions.count) }
            predictions.append(GenerationPrediction(
                prompt: item.prompt, reference: item.reference, prediction: result.text,
                exactMatch: TextMetrics.exactMatch(result.text, item.reference),
                contains: TextMetrics.contains(result.text, item.reference),
                rougeL: TextMetrics.rougeL(prediction: result.text, reference: item.reference),
                newTokens: result.newTokens.count))
        }
        let n = Double(predictions.count)
        return GenerationMetrics(
            exactMatch: Double(predictions.filter(\.exactMatch).count) / n,
            contains: Double(predictions.filter(\.contains).count) / n,
            rougeL: predictions.map(\.rougeL).reduce(0, +) / n,
            predictions: predictions)
    }
}
