import Foundation
import HoneModels
import HoneTrain

/// The session's conversation with its models (`chat`): the system prompt, the turns, the
/// sampling settings, and where labelled answers go. It outlives each `chat` call, so a script
/// or a notebook continues one conversation cell after cell until `chat reset`, as the chat
/// sub-REPL does line after line.
public final class Conversation {
    /// One user message and the answers it got, one per responder (`/compare` gives several).
    public struct Turn {
        public var user: String
        public var answers: [(name: String, text: String)]
        /// The answer the conversation continues from: the first, or the one `/prefer` or
        /// `/fix` made the chosen one.
        public var kept: Int = 0
        /// False when the template has no turns (alpaca, plain): the answers were given to the
        /// user message alone, so labels made from them hold it alone too.
        public var sawHistory = true
        public var keptText: String { answers.indices.contains(kept) ? answers[kept].text : "" }
    }

    public var system: String?
    public private(set) var turns: [Turn] = []
    /// Who answers: nil is the current model as it is (its active adapter); a list names
    /// `base`, adapters, models or runs, as `compare` takes them.
    public var responders: [String]?
    public var settings = Settings()
    /// The data sets labelled answers are added to (`/label sft NAME`, `/label dpo NAME`).
    public var sftLabels = "labels.sft"
    public var dpoLabels = "labels.dpo"
    /// Re-answers of the last turn (`/retry`): each draws with the next seed.
    var retries = 0
    /// Set once the conversation has said that its template answers each message on its own.
    var toldSingleTurn = false

    /// `generate`'s sampling arguments, with chat's own defaults.
    public struct Settings {
        public var maxTokens = 128
        public var temperature = 0.8
        public var topK = 40
        public var topP = 0.95
        public var repetitionPenalty = 1.0
        /// nil: the session's `seed`.
        public var seed: Int?
    }

    public init() {}

    public func reset() {
        turns = []
        retries = 0
    }

    func append(_ turn: Turn) {
        turns.append(turn)
        retries = 0
    }

    @discardableResult
    func undo() -> Turn? {
        retries = 0
        return turns.popLast()
    }

    func replaceLast(_ turn: Turn) { turns[turns.count - 1] = turn }

    /// The messages a model sees before answering `user`: the system prompt, each earlier turn
    /// with its kept answer, then `user`.
    func messages(before user: String) -> [ChatMessage] {
        var out: [ChatMessage] = []
        if let system, !system.isEmpty { out.append(ChatMessage(role: "system", content: system)) }
        for turn in turns {
            out.append(ChatMessage(role: "user", content: turn.user))
            out.append(ChatMessage(role: "assistant", content: turn.keptText))
        }
        out.append(ChatMessage(role: "user", content: user))
        return out
    }

    /// The whole conversation in `messages` format, for `/save`.
    var record: DataRecord {
        var out: [ChatMessage] = []
        if let system, !system.isEmpty { out.append(ChatMessage(role: "system", content: system)) }
        for turn in turns {
            out.append(ChatMessage(role: "user", content: turn.user))
            out.append(ChatMessage(role: "assistant", content: turn.keptText))
        }
        return .chat(out)
    }
}
