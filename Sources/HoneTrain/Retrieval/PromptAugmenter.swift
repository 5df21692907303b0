/// Retrieval and few-shot examples applied to one question, in the order a reader meets them:
/// worked examples first, then the retrieved facts and the question. `generate` and `eval`
/// share it, so a prompt is augmented the same way whether it is typed or taken from data.
public struct PromptAugmenter: Sendable {
    /// The index to search with the question, and how many passages to take; nil: no retrieval.
    public var retrieval: (index: BM25Index, k: Int)?
    public var template: RetrievalTemplate
    /// The records worked examples are taken from, and how many to show; nil: no shots.
    public var shots: (records: [DataRecord], count: Int)?

    public init(retrieval: (index: BM25Index, k: Int)? = nil, template: RetrievalTemplate = .standard,
                shots: (records: [DataRecord], count: Int)? = nil) {
        self.retrieval = retrieval
        self.template = template
        self.shots = shots
    }

    /// The augmented question and the passages retrieved for it. `record` is the record the
    /// question comes from, never used as its own example.
    public func apply(to question: String, record: DataRecord? = nil) -> (text: String, hits: [RetrievalHit]) {
        var text = question
        var hits: [RetrievalHit] = []
        if let retrieval {
            hits = retrieval.index.search(question, k: retrieval.k)
            text = template.render(question: question, passages: hits.map(\.passage))
        }
        if let shots {
            text = FewShotPrompt.choosing(shots.count, from: shots.records, excluding: record).render(question: text)
        }
        return (text, hits)
    }
}
