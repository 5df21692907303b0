/// A reward written in the language, for RLHF without a reward model: `contains:WORD` gives 1
/// to an answer containing WORD (case-insensitively) and 0 otherwise; `max_length:N` gives 1 to
/// an answer of at most N tokens, falling linearly to 0 at 2N.
public enum RewardRule: Codable, Sendable, Equatable, CustomStringConvertible {
    case contains(String)
    case maxLength(Int)

    /// Parses `contains:WORD` or `max_length:N`; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { return nil }
        switch parts[0] {
        case "contains": self = .contains(parts[1])
        case "max_length":
            guard let n = Int(parts[1]), n > 0 else { return nil }
            self = .maxLength(n)
        default: return nil
        }
    }

    public func reward(text: String, tokens: Int) -> Double {
        switch self {
        case .contains(let word): text.lowercased().contains(word.lowercased()) ? 1 : 0
        case .maxLength(let n): tokens <= n ? 1 : max(0, 2 - Double(tokens) / Double(n))
        }
    }

    public var description: String {
        switch self {
        case .contains(let word): "contains:\(word)"
        case .maxLength(let n): "max_length:\(n)"
        }
    }
}
