import Foundation
import HoneModels
import HoneTrain

/// The sampling arguments of `chat` and `chat set`: `generate`'s, without defaults here, since
/// an argument left out keeps the conversation's setting (`Conversation.Settings`).
enum ChatSampling {
    static let maxTokens = Arg<Int>.option("max_tokens", .int(1...1_000_000), help: "the most new tokens of an answer (chat's default 128)")
    static let temperature = Arg<Double>.option("temperature", .float(0...100), help: "0 is greedy; higher is more varied (default 0.8)")
    static let topK = Arg<Int>.option("top_k", .int(0...10_000_000), help: "sample among the k most likely tokens; 0 is off (default 40)")
    static let topP = Arg<Double>.option("top_p", .float(0...1), help: "sample among the tokens whose probabilities sum to p; 1 is off (default 0.95)")
    static let repetitionPenalty = Arg<Double>.option("repetition_penalty", .float(0...100), help: "divide the logits of tokens already present by this (default 1, off)")
    static let seed = Arg<Int>.option("seed", .int(0...Int.max), help: "the sampling seed (default: the session's `seed`)")
    static let specs = [maxTokens.spec, temperature.spec, topK.spec, topP.spec, repetitionPenalty.spec, seed.spec]

    /// `settings` with the arguments that were given.
    static func applied(_ arguments: BoundArguments, to settings: Conversation.Settings) -> Conversation.Settings {
        var s = settings
        if let v = arguments.optional(maxTokens) { s.maxTokens = v }
        if let v = arguments.optional(temperature) { s.temperature = v }
        if let v = arguments.optional(topK) { s.topK = v }
        if let v = arguments.optional(topP) { s.topP = v }
        if let v = arguments.optional(repetitionPenalty) { s.repetitionPenalty = v }
        if let v = arguments.optional(seed) { s.seed = v }
        return s
    }

    static func describe(_ s: Conversation.Settings) -> String {
        "max_tokens=\(s.maxTokens) temperature=\(Value.float(s.temperature).repr) top_k=\(s.topK) top_p=\(Value.float(s.topP).repr) "
            + "repetition_penalty=\(Value.float(s.repetitionPenalty).repr) seed=\(s.seed.map(String.init) ?? "session")"
    }
}

/// `chat ["MESSAGE"] [compare=A,B] [system="…"] [sampling…]`.
public enum ChatCommand: Command {
    static let message = Arg<String>.positional("message", .string, required: false, help: "what to say; without it, on a terminal, the chat prompt opens")
    static let compare = Arg<[String]>.option("compare", .list(.word), help: "answer with each of these side by side: `base`, adapters, models or runs (this turn only)")
    static let system = Arg<String>.option("system", .string, help: "the system prompt from now on (empty: none)")

    public static let spec = CommandSpec(
        ["chat"], summary: "talk to the model under its template; base and tuned side by side",
        discussion: """
            A conversation uses the model's template (its chat template, or the one it was \
            trained with) and goes on from turn to turn until `chat reset`. With a message, \
            `chat` answers one turn, streaming, and returns the answer as a string; with \
            compare=base,default each named one answers the same messages with the same seed, \
            labelled, and the result is a record with one answer per name. The conversation \
            continues from the first answer, or the one `chat prefer` or `chat fix` chose. With \
            no message, on a terminal, `chat` opens the `chat> ` prompt, where a line is a \
            message and /compare, /system, /set, /retry, /undo, /reset, /fix, /prefer, /label, \
            /save and /exit are the `chat …` commands; Ctrl-C stops an answer, Ctrl-D leaves. \
            Templates without turns (alpaca, plain) answer each message on its own.
            """,
        category: .models, arguments: [message.spec, compare.spec, system.spec] + ChatSampling.specs,
        examples: [.init(#"chat "Where does Eva live?""#, "one turn with the current model and adapter"),
                   .init(#"let r = chat "Where does Eva live?" compare=base,default"#, "then `print r.base` and `print r.default`"),
                   .init("chat", "on a terminal: the chat prompt")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let conversation = context.session.conversation
        if let text = arguments.optional(system) { conversation.system = text.isEmpty ? nil : text }
        guard let user = arguments.optional(message) else {
            if let open = context.session.interactiveChat {
                try open(context)
                return .none
            }
            throw HoneError(.value, "`chat` needs the message here: the chat prompt opens only on a terminal", at: context.call.range,
                            hints: [#"write `chat "Where does Eva live?"`; `chat reset` starts a new conversation"#])
        }
        let saved = (conversation.settings, conversation.responders)
        conversation.settings = ChatSampling.applied(arguments, to: conversation.settings)
        if let names = arguments.optional(compare) { conversation.responders = names }
        defer { (conversation.settings, conversation.responders) = saved }
        return try answer(user, in: context, range: arguments.range(of: message))
    }

    /// Answers `user`, keeps the turn, and returns the answer (a record of them when several).
    static func answer(_ user: String, in context: CommandContext, range: SourceRange?) throws -> Value {
        let turn = try ChatTurns.answer(user, in: context, range: range)
        context.session.conversation.append(turn)
        return value(of: turn)
    }

    static func value(of turn: Conversation.Turn) -> Value {
        if turn.answers.count == 1 { return .string(turn.answers[0].text) }
        return .record(Record("chat", turn.answers.map { ($0.name, Value.string($0.text)) }))
    }
}

/// `chat reset`.
public enum ChatResetCommand: Command {
    public static let spec = CommandSpec(
        ["chat", "reset"], summary: "start a new conversation (the system prompt goes too)",
        discussion: "Sampling settings, compared models and label targets stay.",
        category: .models, examples: [.init("chat reset", "")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let conversation = context.session.conversation
        let n = conversation.turns.count
        conversation.reset()
        conversation.system = nil
        context.say("a new conversation (\(DataReference.plural(n, "turn")) dropped)")
        return .none
    }
}

/// `chat undo`.
public enum ChatUndoCommand: Command {
    public static let spec = CommandSpec(
        ["chat", "undo"], summary: "drop the last turn of the conversation",
        category: .models, examples: [.init("chat undo", "")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        guard let turn = context.session.conversation.undo() else {
            throw HoneError(.value, "the conversation is empty", at: context.call.range)
        }
        context.say("dropped the turn \(turn.user.debugDescription)")
        return .none
    }
}

/// `chat retry`.
public enum ChatRetryCommand: Command {
    public static let spec = CommandSpec(
        ["chat", "retry"], summary: "answer the last message again, with the next seed",
        category: .models, examples: [.init("chat retry", "")], isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let conversation = context.session.conversation
        guard let last = conversation.turns.last else {
            throw HoneError(.value, "nothing to retry: the conversation is empty", at: context.call.range)
        }
        let retries = conversation.retries + 1
        conversation.undo()
        conversation.retries = retries
        let turn: Conversation.Turn
        do {
            turn = try ChatTurns.answer(last.user, in: context, range: context.call.range)
        } catch {
            conversation.append(last)
            throw error
        }
        conversation.append(turn)
        conversation.retries = retries
        return ChatCommand.value(of: turn)
    }
}

/// `chat set k=v…`.
public enum ChatSetCommand: Command {
    public static let spec = CommandSpec(
        ["chat", "set"], summary: "the conversation's sampling settings (generate's arguments)",
        discussion: "Prints the settings; the arguments given change them for every later turn.",
        category: .models, arguments: ChatSampling.specs,
        examples: [.init("chat set temperature=0", "greedy answers"), .init("chat set max_tokens=64 seed=7", "")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let conversation = context.session.conversation
        conversation.settings = ChatSampling.applied(arguments, to: conversation.settings)
        context.show("chat: " + ChatSampling.describe(conversation.settings))
        return .none
    }
}

/// `chat compare [A B …]`.
public enum ChatCompareCommand: Command {
    static let names = Arg<[String]>.positional("name", .list(.word), required: false, variadic: true,
        help: "`base`, adapters, models or runs; none goes back to the current model alone")
    public static let spec = CommandSpec(
        ["chat", "compare"], summary: "answer every later turn with several models side by side",
        discussion: "Each answers the same messages with the same seed, labelled [1], [2], …; `chat prefer N` then labels a preference.",
        category: .models, arguments: [names.spec],
        examples: [.init("chat compare base default", "the base model beside the adapter"), .init("chat compare", "back to one answer")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let list = arguments.optional(names) ?? []
        for name in list { _ = try CompareCommand.resolve(name, in: context, range: arguments.range(of: names)) }
        context.session.conversation.responders = list.isEmpty ? nil : list
        context.say(list.isEmpty ? "chat: one answer, from the current model" : "chat: answers from " + list.enumerated().map { "[\($0 + 1)] \($1)" }.joined(separator: ", "))
        return .none
    }
}

/// `chat system "TEXT"`.
public enum ChatSystemCommand: Command {
    static let text = Arg<String>.positional("text", .string, required: false, help: "the system prompt; none clears it")
    public static let spec = CommandSpec(
        ["chat", "system"], summary: "set the conversation's system prompt",
        category: .models, arguments: [text.spec], examples: [.init(#"chat system "Answer in one sentence.""#, "")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let value = arguments.optional(text) ?? ""
        context.session.conversation.system = value.isEmpty ? nil : value
        context.say(value.isEmpty ? "chat: no system prompt" : "chat: system prompt set")
        return .none
    }
}
