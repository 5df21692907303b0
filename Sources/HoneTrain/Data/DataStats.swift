import Foundation
import HoneModels

/// What a data set holds before it is trained on: lengths per field and after templating, empty
/// fields, duplicates, and what `maxLength` will cut. It answers "is this data what I think it
/// is?" before minutes of training do.
///
/// Lengths are in tokens when a tokenizer is given, in characters otherwise (and the templated
/// and truncation figures need a tokenizer, so they are nil without one). The templated length
/// is the one training sees: BOS, the rendered prompt, the completion and EOS
/// (`SFTExample.tokenize`), counted before truncation.
public struct DataStats: Sendable {
    /// One field's lengths and how many records leave it empty (whitespace only).
    public struct Field: Sendable {
        public var name: String
        public var lengths: [Int]
        public var summary: LengthSummary
        /// The lines of records whose field is empty.
        public var emptyLines: [Int]
    }

    public var file: String
    public var format: DataFormat
    public var count: Int
    /// "tokens" or "characters".
    public var unit: String
    public var maxLength: Int
    public var template: PromptTemplate
    public var fields: [Field]
    /// Tokens per example after templating (BOS and EOS included, before truncation); nil without a tokenizer.
    public var templatedLengths: [Int]?
    /// Tokens that carry loss per example after truncation at `maxLength`; nil without a tokenizer.
    public var trainedLengths: [Int]?
    /// Records equal to an earlier one after whitespace normalisation, as lines.
    public var exactDuplicates: [(line: Int, originalLine: Int)]
    /// Records whose word 3-gram Jaccard with an earlier one is at least `nearThreshold`.
    public var nearDuplicates: [(line: Int, originalLine: Int, similarity: Double)]
    public var nearThreshold: Double
    /// Lines of examples longer than `maxLength`; nil without a tokenizer.
    public var truncatedLines: [Int]?
    /// Lines of examples whose prompt alone fills `maxLength`, so no answer token is left.
    public var answerLostLines: [Int]?

    /// The statistics of `data` rendered with `template` and counted with `tokenizer` (nil: characters).
    /// - Complexity: one tokenisation per field and one per example, plus the near-duplicate search.
    public init(_ data: DataSet, template: PromptTemplate, tokenizer: (any Tokenizer)?, maxLength: Int, nearThreshold: Double = 0.8) {
        file = data.file
        format = data.format
        count = data.count
        unit = tokenizer == nil ? "characters" : "tokens"
        self.maxLength = maxLength
        self.template = template
        self.nearThreshold = nearThreshold

        let names = DataRecord.fieldNames(of: data.format)
        var lengths = [[Int]](repeating: [], count: names.count)
        var empty = [[Int]](repeating: [], count: names.count)
        for (r, record) in data.records.enumerated() {
            for (k, field) in record.fields.enumerated() where k < names.count {
                lengths[k].append(tokenizer.map { field.text.isEmpty ? 0 : $0.encode(field.text, bos: false).count } ?? field.text.count)
                if field.text.allSatisfy(\.isWhitespace) { empty[k].append(data.lines[r]) }
            }
        }
        fields = names.indices.map { Field(name: names[$0], lengths: lengths[$0], summary: LengthSummary(lengths[$0]), emptyLines: empty[$0]) }

        if let tokenizer {
            var templated: [Int] = [], trained: [Int] = [], truncated: [Int] = [], lost: [Int] = []
            for (r, record) in data.records.enumerated() {
                let t = SFTExample.tokenize(record, template: template, tokenizer: tokenizer, maxLength: Int.max)
                let answer = t.labels.filter { $0 != SFTExample.ignoreLabel }.count
                let prompt = t.ids.count - answer
                templated.append(t.ids.count)
                trained.append(Swift.max(0, Swift.min(t.ids.count, maxLength) - prompt))
                if t.ids.count > maxLength { truncated.append(data.lines[r]) }
                if answer > 0, prompt >= maxLength { lost.append(data.lines[r]) }
            }
            templatedLengths = templated
            trainedLengths = trained
            truncatedLines = truncated
            answerLostLines = lost
        }

        let texts = data.records.map(\.joinedText)
        let exact = DuplicateFinder.exact(texts)
        exactDuplicates = exact.map { (data.lines[$0.index], data.lines[$0.original]) }
        let near = DuplicateFinder.near(texts, threshold: nearThreshold, skipping: Set(exact.map(\.index)))
        nearDuplicates = near.map { (data.lines[$0.index], data.lines[$0.original], $0.similarity) }
    }
}
