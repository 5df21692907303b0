/// One preference example as token ids: the prompt (BOS first), and two completions that
/// follow it (EOS last), the preferred one and the rejected one. TRL tokenizes prompt+completion
/// whole and takes the completion as what follows the prompt's ids; callers do the same.
public struct PreferencePair: Sendable, Equatable {
    public var prompt: [Int]
    public var chosen: [Int]
    public var rejected: [Int]

    public init(prompt: [Int], chosen: [Int], rejected: [Int]) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// Prompt + completion sequences, right-padded to the longest, with which next-token targets
/// belong to the completion. Row order for a `PreferenceBatch`: every chosen sequence, then
/// every rejected one, so one forward scores both sides (as TRL's concatenated forward).
public struct SequenceBatch: Sendable {
    public var tokens: [Int]
    /// The token each position's logits are scored against (the next token), -100 past the end.
    public var targets: [Int]
    /// 1 where the target is a completion token (prompt and padding 0), [batch · length].
    public var completionMask: [Float]
    /// Completion tokens per sequence (EOS included): the divisor of length-averaged log-probs.
    public var completionCounts: [Int]
    /// Scored tokens per sequence: every token after the first (prompt and completion).
    public var scoredCounts: [Int]
    public var batch: Int
    public var length: Int

    /// `sequences` as (prompt, completion); padding is `padID` with no target. Padding goes after
    /// the real tokens, so under the causal mask no real position sees it.
    public init(sequences: [(prompt: [Int], completion: [Int])], padID: Int = 0) {
        precondition(!sequences.isEmpty, "SequenceBatch: no sequences")
        precondition(sequences.allSatisfy { !$0.prompt.isEmpty && !$0.completion.isEmpty },
                     "SequenceBatch: a prompt or completion is empty")
        batch = sequences.count
        length = sequences.map { $0.prompt.count + $0.completion.count }.max()!
        tokens = []
        targets = []
        completionMask = []
        completionCounts = []
        scoredCounts = []
        for (prompt, completion) in sequences {
            let ids = prompt + completion
            let padding = length - ids.count
            tokens += ids + Array(repeating: padID, count: padding)
            targets += Array(ids.dropFirst()) + Array(repeating: -100, count: padding + 1)
            // Position t predicts token t + 1: completion tokens are predicted from prompt.count − 1 on.
            completionMask += Array(repeating: 0, count: prompt.count - 1) + Array(repeating: 1, count: completion.count)
                + Array(repeating: 0, count: padding + 1)
            completionCounts.append(completion.count)
            scoredCounts.append(ids.count - 1)
        }
    }
}

/// Preference pairs as one `SequenceBatch`: rows 0..<pairCount are the chosen sequences,
/// rows pairCount..<2·pairCount the rejected ones.
public struct PreferenceBatch: Sendable {
    public var pairs: [PreferencePair]
    public var sequences: SequenceBatch
    public var pairCount: Int { pairs.count }

    public init(pairs: [PreferencePair], padID: Int = 0) {
        precondition(!pairs.isEmpty, "PreferenceBatch: no pairs")
        self.pairs = pairs
        sequences = SequenceBatch(sequences: pairs.map { ($0.prompt, $0.chosen) } + pairs.map { ($0.prompt, $0.rejected) }, padID: padID)
    }
}
