import Foundation
import HoneModels
import HoneTrain

/// Turning what the conversation showed into data: a corrected answer becomes an SFT example,
/// a preferred answer a preference pair against each other answer. They go into ordinary
/// session data sets, so `stats`, `show data`, `split`, `train` and `dpo` take them at once.
enum ChatLabels {
    /// Adds `records` to the data set `name`, making it when missing; says how many it holds.
    static func add(_ records: [DataRecord], format: DataFormat, to name: String, what: String,
                    isDefault: Bool, in context: CommandContext) throws {
        let workspace = context.session.workspace
        var data = DataSet(file: "<chat>", format: format, records: [], lines: [])
        if let existing = workspace.dataSet(named: name) {
            guard existing.data.format == format else {
                throw HoneError(.value, "`\(name)` holds \(existing.data.format.rawValue) records, not \(format.rawValue)", at: context.call.range,
                                hints: ["`chat label \(format == .preference ? "dpo" : "sft") NAME` picks another data set"])
            }
            data = existing.data
        }
        let first = data.count == 0
        data.records += records
        data.lines += (data.lines.count..<(data.lines.count + records.count)).map { $0 + 1 }
        workspace.add(DataSetHandle(name: name, data: data))
        var line = "added \(DataReference.plural(records.count, what)) to \(name) (\(DataReference.plural(data.count, "record")))"
        if first && isDefault {
            line += "; `chat label \(format == .preference ? "dpo" : "sft") NAME` (/label) sends them elsewhere"
        }
        context.say(line)
    }

    /// The last turn, or an error saying there is none.
    static func lastTurn(_ context: CommandContext) throws -> Conversation.Turn {
        guard let turn = context.session.conversation.turns.last else {
            throw HoneError(.value, "nothing to label: the conversation is empty", at: context.call.range, hints: [#"`chat "…"` first"#])
        }
        return turn
    }

    /// The messages before the last turn's answer, or nil when they are just its user message.
    static func context(of conversation: Conversation) -> [ChatMessage]? {
        guard let last = conversation.turns.last, last.sawHistory else { return nil }
        // `messages(before:)` holds every turn, the last one too, then the message again.
        var before = conversation.messages(before: last.user)
        before.removeLast(3)
        before.append(ChatMessage(role: "user", content: last.user))
        return before.count == 1 ? nil : before
    }
}

/// `chat fix "ANSWER"`.
public enum ChatFixCommand: Command {
    static let answer = Arg<String>.positional("answer", .string, help: "the answer the model should have given")
    public static let spec = CommandSpec(
        ["chat", "fix"], summary: "correct the last answer; the pair becomes an SFT example",
        discussion: """
            Adds (the conversation up to the last message, the corrected answer) in messages \
            format to the SFT labels (`labels.sft` until `chat label sft NAME`), and the \
            conversation goes on from the corrected answer. At the chat prompt, /fix opens the \
            last answer for editing.
            """,
        category: .data, arguments: [answer.spec], examples: [.init(#"chat fix "Eva lives in the red house.""#, "")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let conversation = context.session.conversation
        var turn = try ChatLabels.lastTurn(context)
        let corrected = arguments[answer].trimmingCharacters(in: .whitespacesAndNewlines)
        guard !corrected.isEmpty else {
            throw HoneError(.value, "the corrected answer is empty", at: arguments.range(of: answer))
        }
        let messages = (ChatLabels.context(of: conversation) ?? [ChatMessage(role: "user", content: turn.user)])
            + [ChatMessage(role: "assistant", content: corrected)]
        try ChatLabels.add([.chat(messages)], format: .messages, to: conversation.sftLabels, what: "example",
                           isDefault: conversation.sftLabels == "labels.sft", in: context)
        turn.answers.append(("fixed", corrected))
        turn.kept = turn.answers.count - 1
        conversation.replaceLast(turn)
        return .none
    }
}

/// `chat prefer N`.
public enum ChatPreferCommand: Command {
    static let number = Arg<Int>.positional("n", .int(1...1000), help: "the number of the better answer, as labelled [1], [2], …")
    public static let spec = CommandSpec(
        ["chat", "prefer"], summary: "pick the better compared answer: a preference pair against each other",
        discussion: """
            After a turn answered side by side (`chat compare`, compare=), answer N becomes the \
            chosen one: one pair (prompt, chosen, rejected) per other answer goes to the DPO \
            labels (`labels.dpo` until `chat label dpo NAME`), and the conversation goes on from \
            answer N. Two equal answers make no pair.
            """,
        category: .data, arguments: [number.spec], examples: [.init("chat prefer 2", "the second answer was better")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let conversation = context.session.conversation
        var turn = try ChatLabels.lastTurn(context)
        let compared = turn.answers.filter { $0.name != "fixed" }
        guard compared.count > 1 else {
            throw HoneError(.value, "the last turn has one answer; there is nothing to prefer it to", at: context.call.range,
                            hints: ["`chat compare base default` (/compare) answers side by side"])
        }
        let n = arguments[number]
        guard (1...compared.count).contains(n) else {
            throw HoneError(.value, "there is no answer \(n): the valid numbers are " + (1...compared.count).map(String.init).joined(separator: ", "),
                            at: arguments.range(of: number))
        }
        let chosen = compared[n - 1].text
        let history = ChatLabels.context(of: conversation)
        let pairs: [DataRecord] = compared.enumerated().compactMap { i, other in
            guard i != n - 1, other.text != chosen else { return nil }
            return history.map { .preference(prompt: "", chosen: chosen, rejected: other.text, history: $0) }
                ?? .preference(prompt: turn.user, chosen: chosen, rejected: other.text)
        }
        guard !pairs.isEmpty else {
            throw HoneError(.value, "every other answer equals answer \(n); a pair needs two different answers", at: context.call.range,
                            hints: ["`chat retry` answers again with the next seed"])
        }
        try ChatLabels.add(pairs, format: .preference, to: conversation.dpoLabels, what: "pair",
                           isDefault: conversation.dpoLabels == "labels.dpo", in: context)
        turn.kept = turn.answers.firstIndex { $0.name == compared[n - 1].name } ?? 0
        conversation.replaceLast(turn)
        return .none
    }
}

/// `chat label sft|dpo NAME`.
public enum ChatLabelCommand: Command {
    static let kind = Arg<String>.positional("kind", .choice(["sft", "dpo"]), help: "sft for corrected answers, dpo for preferences")
    static let name = Arg<String>.positional("name", .name, help: "the data set they go to (made when missing)")
    public static let spec = CommandSpec(
        ["chat", "label"], summary: "name the data set labelled answers go to",
        category: .data, arguments: [kind.spec, name.spec],
        examples: [.init("chat label dpo eva_pairs", "preferences go to eva_pairs"), .init("chat label sft fixes", "")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let conversation = context.session.conversation
        let target = arguments[name]
        if arguments[kind] == "sft" { conversation.sftLabels = target } else { conversation.dpoLabels = target }
        context.say("chat: \(arguments[kind] == "sft" ? "corrected answers" : "preference pairs") go to \(target)")
        return .none
    }
}

/// `chat save NAME`.
public enum ChatSaveCommand: Command {
    static let name = Arg<String>.positional("name", .name, help: "the data set (messages format) the conversation is added to")
    public static let spec = CommandSpec(
        ["chat", "save"], summary: "add the conversation to a data set in messages format",
        discussion: "Each turn keeps its chosen answer. `save data NAME FILE` then writes the data set as JSONL.",
        category: .data, arguments: [name.spec], examples: [.init("chat save talks", "")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let conversation = context.session.conversation
        guard !conversation.turns.isEmpty else {
            throw HoneError(.value, "nothing to save: the conversation is empty", at: context.call.range)
        }
        try ChatLabels.add([conversation.record], format: .messages, to: arguments[name], what: "conversation", isDefault: false, in: context)
        return .none
    }
}
