import HoneModels

/// Tokenisation of one supervised fine-tuning example.
public enum SFTExample {
    /// The label of a position that carries no loss.
    public static let ignoreLabel = -100

    /// `prompt` and `completion` tokenised as separate fields, so the loss boundary is exact:
    /// prompt ids = BOS (when the tokenizer has one) + `encode(prompt, bos: false)`;
    /// completion ids = `encode(completion, bos: false)` + EOS (when it has one). Labels are -100 on
    /// the prompt (unless `trainOnAll`) and the ids themselves on the completion; EOS is never
    /// masked. Truncation keeps the first `maxLength` tokens; `truncated` says it happened and
    /// `answerLost` that no completion token is left.
    ///
    /// With `parsingSpecialTokens` (templates whose markers are special tokens, such as
    /// `<|im_start|>`) the tokenizer's special-token strings become their ids, and a template that
    /// writes BOS or EOS itself (Llama-2's `<s>…</s>`) gets no second one.
    public static func tokenize(prompt: String, completion: String, tokenizer: any Tokenizer,
                                maxLength: Int, trainOnAll: Bool = false, parsingSpecialTokens: Bool = false)
        -> (ids: [Int], labels: [Int], truncated: Bool, answerLost: Bool) {
        var promptIDs: [Int] = []
        let promptText = prompt.isEmpty ? [] : tokenizer.encode(prompt, bos: false, parsingSpecialTokens: parsingSpecialTokens)
        if let bos = tokenizer.bos, promptText.first != bos || !parsingSpecialTokens { promptIDs.append(bos) }
        promptIDs += promptText
        var completionIDs = completion.isEmpty ? [] : tokenizer.encode(completion, bos: false, parsingSpecialTokens: parsingSpecialTokens)
        if let eos = tokenizer.eos, completionIDs.last != eos || !parsingSpecialTokens { completionIDs.append(eos) }
        var ids = promptIDs + completionIDs
        var labels = (trainOnAll ? promptIDs : Array(repeating: ignoreLabel, count: promptIDs.count)) + completionIDs
        let limit = max(0, maxLength)
        let truncated = ids.count > limit
        if truncated {
            ids = Array(ids.prefix(limit))
            labels = Array(labels.prefix(limit))
        }
        let answerLost = !completionIDs.isEmpty && promptIDs.count >= limit
        return (ids, labels, truncated, answerLost)
    }

    /// A record rendered with `template` and tokenised.
    public static func tokenize(_ record: DataRecord, template: PromptTemplate, tokenizer: any Tokenizer,
                                maxLength: Int, trainOnAll: Bool = false)
        -> (ids: [Int], labels: [Int], truncated: Bool, answerLost: Bool) {
        let (prompt, completion) = template.render(record)
        return tokenize(prompt: prompt, completion: completion, tokenizer: tokenizer, maxLength: maxLength, trainOnAll: trainOnAll,
                        parsingSpecialTokens: template.usesSpecialTokens)
    }
}

/// A data set's records tokenised for SFT, with the truncation report the run shows.
public struct SFTExamples: Sendable {
    public var examples: [(ids: [Int], labels: [Int])]
    /// How many examples were cut to `maxLength`.
    public var truncatedCount: Int
    /// The indices (into the data set) of examples whose whole answer was cut away: they carry no loss.
    public var answerLost: [Int]
    /// False when the tokenizer has no EOS id, so no example teaches the model to stop.
    public var hasEOS: Bool
    /// The records a chat template refused (index into the data set, and why): they are left
    /// out of `examples`.
    public var templateErrors: [(index: Int, message: String)] = []

    /// Every record of `data` rendered with `template` and tokenised.
    public init(_ data: DataSet, template: PromptTemplate, tokenizer: any Tokenizer, maxLength: Int, trainOnAll: Bool = false) {
        examples = []
        truncatedCount = 0
        answerLost = []
        hasEOS = tokenizer.eos != nil
        for (i, record) in data.records.enumerated() {
            let prompt: String, completion: String
            do {
                (prompt, completion) = try template.rendered(record)
            } catch {
                templateErrors.append((i, error.message))
                continue
            }
            let t = SFTExample.tokenize(prompt: prompt, completion: completion, tokenizer: tokenizer, maxLength: maxLength,
                                        trainOnAll: trainOnAll, parsingSpecialTokens: template.usesSpecialTokens)
            examples.append((t.ids, t.labels))
            if t.truncated { truncatedCount += 1 }
            if t.answerLost { answerLost.append(i) }
        }
    }

    /// The warnings to print: how many were truncated, and which lost their whole answer.
    public func warnings(maxLength: Int, lines: [Int]? = nil) -> [String] {
        var out: [String] = []
        if !hasEOS {
            out.append("the tokenizer has no EOS token: targets end without one, so the model will not learn to stop")
        }
        if let first = templateErrors.first {
            let names = templateErrors.prefix(10).map { e in lines.flatMap { e.index < $0.count ? "line \($0[e.index])" : nil } ?? "example \(e.index)" }
            out.append("\(templateErrors.count) example\(templateErrors.count == 1 ? "" : "s") could not be rendered with the chat template and were left out ("
                + names.joined(separator: ", ") + (templateErrors.count > 10 ? ", ..." : "") + "): \(first.message)")
        }
        if truncatedCount > 0 {
            out.append("\(truncatedCount) of \(examples.count) examples are longer than seq=\(maxLength) and were truncated")
        }
        if !answerLost.isEmpty {
            let names = answerLost.prefix(10).map { i in lines.flatMap { i < $0.count ? "line \($0[i])" : nil } ?? "example \(i)" }
            out.append("\(answerLost.count) example\(answerLost.count == 1 ? "" : "s") lost the whole answer to truncation (the prompt fills seq=\(maxLength)) and train nothing: "
                + names.joined(separator: ", ") + (answerLost.count > 10 ? ", ..." : ""))
        }
        return out
    }
}
