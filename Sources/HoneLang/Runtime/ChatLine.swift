import Foundation
import HoneModels

/// A line typed at the `chat> ` prompt, as the hone statement it stands for. A message is
/// `chat "MESSAGE"`; a slash command `/x …` is the command `chat x …`, so each has one
/// declaration (its arguments, checks, help and errors are the command's) and a script can do
/// everything the prompt does. `//text` sends a message that starts with `/`.
public enum ChatLine: Equatable {
    case statement(String)
    case exit
    case help
    /// `/fix` alone: the front end opens the last answer for editing, then runs `chat fix`.
    case editLastAnswer
    case unknown(String)

    /// The slash commands, with what each does, for /help and did-you-mean.
    public static let commands: [(name: String, usage: String, summary: String)] = [
        ("compare", "/compare A B …", "answer with several models side by side (none: one again)"),
        ("system", "/system TEXT", "set the system prompt"),
        ("set", "/set temperature=… top_p=… max_tokens=…", "sampling settings, as generate takes them"),
        ("retry", "/retry", "answer the last message again, with the next seed"),
        ("undo", "/undo", "drop the last turn"),
        ("reset", "/reset", "start a new conversation"),
        ("fix", "/fix [ANSWER]", "correct the last answer: an SFT example"),
        ("prefer", "/prefer N", "after /compare, answer N is better: preference pairs"),
        ("label", "/label sft|dpo NAME", "where corrected answers or preference pairs go"),
        ("save", "/save NAME", "add the conversation to a data set (messages format)"),
        ("help", "/help", "this list"),
        ("exit", "/exit", "back to hone> (Ctrl-D too)"),
    ]

    public static var helpText: String {
        let width = commands.map(\.usage.count).max() ?? 0
        return (["a line is a message to the model; a line ending in \\ continues on the next; //text sends /text"]
                + commands.map { "  " + $0.usage.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.summary }).joined(separator: "\n")
    }

    public static func parse(_ line: String) -> ChatLine? {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return nil }
        if text.hasPrefix("//") { return .statement("chat " + quoted(String(text.dropFirst()))) }
        guard text.hasPrefix("/") else { return .statement("chat " + quoted(text)) }
        let body = text.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace })
        let rest = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        switch name {
        case "exit", "quit": return .exit
        case "help": return .help
        case "system": return .statement("chat system" + (rest.isEmpty ? "" : " " + quoted(rest)))
        case "fix": return rest.isEmpty ? .editLastAnswer : .statement("chat fix " + quoted(rest))
        case "compare", "set", "retry", "undo", "reset", "prefer", "label", "save":
            return .statement("chat \(name)" + (rest.isEmpty ? "" : " " + rest))
        default:
            let suggestion = Suggestions.didYouMean("/" + name, among: commands.map { "/" + $0.name })
            return .unknown("unknown chat command `/\(name)`" + suggestion + "; /help lists them")
        }
    }

    /// `text` as a hone string literal: the lexer's escapes for `\`, `"`, `$` and line breaks.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for c in text {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "$": out += "\\$"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.append(c)
            }
        }
        return out + "\""
    }
}
