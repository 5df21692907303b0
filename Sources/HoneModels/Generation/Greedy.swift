import HoneTensor

/// Greedy decoding: each new token is the argmax of the last position's logits (the lowest id
/// on ties, as llama2.c's `argmax`). There is no KV cache yet: every step runs the whole
/// sequence again, without recording gradients.
public enum Greedy {
    /// `count` new token ids following `tokens` (which must not be empty).
    public static func generate(model: LlamaModel, tokens: [Int], count: Int) -> [Int] {
        precondition(!tokens.isEmpty, "Greedy.generate: no prompt tokens")
        var sequence = tokens
        var generated: [Int] = []
        GradMode.withoutGradients {
            for _ in 0..<max(0, count) {
                let logits = model.forward(tokens: sequence)
                let last = logits.sliced(axis: 0, (sequence.count - 1)..<sequence.count).scalars
                var best = 0
                for i in 1..<last.count where last[i] > last[best] { best = i }
                generated.append(best)
                sequence.append(best)
            }
        }
        return generated
    }
}
