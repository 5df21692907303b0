import HoneTensor

/// Examples of a causal language model's training batch: token ids and labels (-100 where no
/// loss is taken), right-padded to the longest example. Position t's logits predict label t+1.
public struct CausalLMBatch: Sendable {
    public var tokens: [Int]
    /// The label each position's logits are scored against (the next position's label), -100 for none.
    public var targets: [Int]
    public var batch: Int
    public var length: Int

    /// `examples` as (input ids, labels) of equal length each; padded with `padID` (labels -100).
    /// Padding goes after the real tokens, so under the causal mask no real position sees it.
    public init(examples: [(ids: [Int], labels: [Int])], padID: Int = 0) {
        precondition(!examples.isEmpty, "CausalLMBatch: no examples")
        length = examples.map(\.ids.count).max()!
        batch = examples.count
        tokens = []
        targets = []
        for (ids, labels) in examples {
            precondition(ids.count == labels.count, "CausalLMBatch: ids and labels differ in length")
            let padding = length - ids.count
            tokens += ids + Array(repeating: padID, count: padding)
            let padded = labels + Array(repeating: -100, count: padding)
            targets += Array(padded.dropFirst()) + [-100]
        }
    }

    /// The positions that carry a loss.
    public var targetCount: Int { targets.filter { $0 != -100 }.count }
}
