/// Few-shot prompting: worked examples, as question/answer pairs, written before the question so
/// the model can copy the pattern without any training. This is the "prompt" end of "prompt,
/// retrieve or fine-tune"; its examples cost context on every call, where fine-tuning pays once.
public struct FewShotPrompt: Sendable, Equatable {
    public var examples: [(question: String, answer: String)]

    public init(examples: [(question: String, answer: String)]) {
        self.examples = examples
    }

    public static func == (a: FewShotPrompt, b: FewShotPrompt) -> Bool {
        a.examples.map(\.question) == b.examples.map(\.question) && a.examples.map(\.answer) == b.examples.map(\.answer)
    }

    /// The first `count` records of `records` that have a question and an answer, skipping any
    /// equal to `excluded` (the record being answered), so a data set evaluated with shots from
    /// itself never shows the model the answer it is scored on. Taking the first records rather
    /// than a random choice makes the prompt the same in every run, with no seed to track.
    public static func choosing(_ count: Int, from records: [DataRecord], excluding excluded: DataRecord? = nil) -> FewShotPrompt {
        var chosen: [(question: String, answer: String)] = []
        for record in records where chosen.count < count && record != excluded {
            guard let question = record.question, let answer = record.answer else { continue }
            chosen.append((question, answer))
        }
        return FewShotPrompt(examples: chosen)
    }

    /// `question` (already augmented by retrieval, if any) after the examples. The question takes
    /// the examples' `Question:`/`Answer:` shape unless it already ends asking for an answer.
    public func render(question: String) -> String {
        guard !examples.isEmpty else { return question }
        let shots = examples.map { "Question: \($0.question)\nAnswer: \($0.answer)" }.joined(separator: "\n\n")
        let asked = question.hasSuffix("Answer:") ? question : "Question: \(question)\nAnswer:"
        return shots + "\n\n" + asked
    }
}
