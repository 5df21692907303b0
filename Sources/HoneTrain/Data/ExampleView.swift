import HoneModels

/// One example as the model sees it: the templated text cut where the loss starts and stops,
/// from the very token ids and labels `SFTExample.tokenize` gives training, so what is shown is
/// what is trained (a template bug shows up here, not after an hour of training).
///
/// A segment is a run of tokens that are all trained (label ≠ -100) or all not. BOS and EOS are
/// their own segments, shown as the tokenizer's pieces (`<s>`, `</s>`), because they are invisible
/// in decoded text yet decide whether the model learns to stop. Text between them is decoded as
/// a whole run and cut by prefix decoding, so SentencePiece's leading spaces and byte-level
/// merges come out as the tokenizer would print them.
///
/// Two renderings: `ansi` paints trained text green (for terminals); `plain` wraps it in ⟦ ⟧,
/// mathematical white square brackets, which are visible without colour, almost never occur in
/// training data, and stay one character each, so a reader can tell a marker from the text.
public struct ExampleView: Sendable {
    public struct Segment: Sendable, Equatable {
        public var text: String
        public var isTrained: Bool
        /// A BOS or EOS token, shown by its piece.
        public var isSpecial: Bool

        public init(text: String, isTrained: Bool, isSpecial: Bool = false) {
            self.text = text
            self.isTrained = isTrained
            self.isSpecial = isSpecial
        }
    }

    public var segments: [Segment]
    public var tokenCount: Int
    /// Tokens whose label is not -100: the ones the loss is computed on.
    public var trainedCount: Int
    public var truncated: Bool
    public var answerLost: Bool

    /// `record` rendered with `template`, tokenised and cut at `maxLength` as training does.
    public init(_ record: DataRecord, template: PromptTemplate, tokenizer: any Tokenizer, maxLength: Int, trainOnAll: Bool = false) {
        let t = SFTExample.tokenize(record, template: template, tokenizer: tokenizer, maxLength: maxLength, trainOnAll: trainOnAll)
        self.init(ids: t.ids, labels: t.labels, tokenizer: tokenizer)
        truncated = t.truncated
        answerLost = t.answerLost
    }

    /// The segments of token `ids` with their `labels` (same length).
    public init(ids: [Int], labels: [Int], tokenizer: any Tokenizer) {
        precondition(ids.count == labels.count, "ExampleView: \(ids.count) ids but \(labels.count) labels")
        tokenCount = ids.count
        trainedCount = labels.filter { $0 != SFTExample.ignoreLabel }.count
        truncated = false
        answerLost = false
        segments = []
        let special = Set([tokenizer.bos, tokenizer.eos].compactMap { $0 })
        var i = 0
        while i < ids.count {
            let trained = labels[i] != SFTExample.ignoreLabel
            if special.contains(ids[i]) {
                var piece = tokenizer.piece(ids[i])
                if piece.isEmpty { piece = ids[i] == tokenizer.bos ? "<bos>" : "<eos>" }
                segments.append(Segment(text: piece, isTrained: trained, isSpecial: true))
                i += 1
                continue
            }
            // A run of ordinary tokens, decoded whole, then cut where training starts or stops.
            var end = i
            while end < ids.count, !special.contains(ids[end]) { end += 1 }
            let run = Array(ids[i..<end])
            var start = 0
            var decodedSoFar = ""
            while start < run.count {
                let flag = labels[i + start] != SFTExample.ignoreLabel
                var stop = start
                while stop < run.count, (labels[i + stop] != SFTExample.ignoreLabel) == flag { stop += 1 }
                let decoded = tokenizer.decode(Array(run[0..<stop]))
                let text = decoded.hasPrefix(decodedSoFar) ? String(decoded.dropFirst(decodedSoFar.count)) : tokenizer.decode(Array(run[start..<stop]))
                decodedSoFar = decoded
                segments.append(Segment(text: text, isTrained: flag))
                start = stop
            }
            i = end
        }
    }

    /// "212 tokens, 57 trained", with truncation noted.
    public var summary: String {
        "\(tokenCount) token\(tokenCount == 1 ? "" : "s"), \(trainedCount) trained"
            + (answerLost ? " (truncated: the whole answer is cut off)" : truncated ? " (truncated)" : "")
    }

    /// The text with each trained run inside ⟦ ⟧ (adjacent trained segments share one pair).
    public var plain: String {
        var out = ""
        var open = false
        for s in segments {
            if s.isTrained != open { out += s.isTrained ? "⟦" : "⟧"; open = s.isTrained }
            out += s.text
        }
        if open { out += "⟧" }
        return out
    }

    /// The text with trained runs in green and BOS/EOS dimmed, for a terminal.
    public var ansi: String {
        segments.map { s in
            let style = (s.isTrained ? "32" : "") + (s.isSpecial ? (s.isTrained ? ";2" : "2") : "")
            return style.isEmpty || s.text.isEmpty ? s.text : "\u{1B}[\(style)m\(s.text)\u{1B}[0m"
        }.joined()
    }
}
