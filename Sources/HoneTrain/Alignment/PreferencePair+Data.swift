import HoneModels

extension PreferencePair {
    /// Tokenised pairs from preference records rendered with `template`: the prompt as the
    /// template renders a user turn (after any history), each answer tokenised on its own with
    /// EOS appended, as SFT tokenises completions. Records of other formats are skipped and
    /// counted; pairs whose prompt fills `maxLength` are dropped and counted.
    public static func tokenize(_ data: DataSet, template: PromptTemplate, tokenizer: any Tokenizer, maxLength: Int)
        -> (pairs: [PreferencePair], notPreference: Int, tooLong: Int) {
        var pairs: [PreferencePair] = [], notPreference = 0, tooLong = 0
        for record in data.records {
            guard case .preference(let prompt, let chosen, let rejected, let history) = record else { notPreference += 1; continue }
            let turn: DataRecord = history.isEmpty ? .instruction(instruction: prompt, input: "", output: "")
                                                   : .chat(history + [ChatMessage(role: "user", content: prompt)])
            guard let promptText = try? template.rendered(turn).prompt else { notPreference += 1; continue }
            let special = template.usesSpecialTokens
            let c = SFTExample.tokenize(prompt: promptText, completion: chosen, tokenizer: tokenizer, maxLength: maxLength, parsingSpecialTokens: special)
            let r = SFTExample.tokenize(prompt: promptText, completion: rejected, tokenizer: tokenizer, maxLength: maxLength, parsingSpecialTokens: special)
            let promptCount = c.labels.prefix { $0 == SFTExample.ignoreLabel }.count
            guard promptCount > 0, promptCount < c.ids.count, promptCount < r.ids.count else { tooLong += 1; continue }
            pairs.append(PreferencePair(prompt: Array(c.ids[..<promptCount]), chosen: Array(c.ids[promptCount...]),
                                        rejected: Array(r.ids[promptCount...])))
        }
        return (pairs, notPreference, tooLong)
    }
}
