/// A reward written in the language, for RLHF without a reward model: `contains:WORD` gives 1
/// to an answer containing WORD (case-insensitively) and 0 otherwise; `max_length:N` gives 1 to
/// an answer of at most N tokens, falling linearly to 0 at 2N. `model:NAME` names a trained
/// reward model in the session instead; the command resolves it to a `RewardFunction`.
public enum RewardRule: Codable, Sendable, Equatable, CustomStringConvertible {
    case contains(String)
    case maxLength(Int)
    case model(String)

    /// Parses `contains:WORD` or `max_length:N`; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { return nil }
        switch parts[0] {
        case "contains": self = .contains(parts[1])
        case "max_length":
            guard let n = Int(parts[1]), n > 0 else { return nil }
            self = .maxLength(n)
        case "model": self = .model(parts[1])
        default: return nil
        }
    }

    /// The reward model's name for `model:NAME`, nil for a rule scored from the text.
    public var modelName: String? {
        if case .model(let name) = self { return name }
        return nil
    }

    /// The rule's reward; NaN for `model:NAME`, which only a reward model can score.
    public func reward(text: String, tokens: Int) -> Double {
        switch self {
        case .contains(let word): text.lowercased().contains(word.lowercased()) ? 1 : 0
        case .maxLength(let n): tokens <= n ? 1 : max(0, 2 - Double(tokens) / Double(n))
        case .model: .nan
        }
    }

    public var description: String {
        switch self {
        case .contains(let word): "contains:\(word)"
        case .maxLength(let n): "max_length:\(n)"
        case .model(let name): "model:\(name)"
        }
    }
}
