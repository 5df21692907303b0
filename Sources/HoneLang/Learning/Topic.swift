import Foundation

/// A concept `explain` teaches: what it is and why it matters, its formula, what the well-known
/// tools use, the hone commands that do it and the tutorial that shows it. The texts themselves
/// are data, in `Topics.swift`; this file holds their shape, look-up and rendering.
public struct Topic: Sendable {
    /// A hone command line that does what the topic describes, with a few words on it.
    public struct Use: Sendable {
        public var code: String
        public var note: String
        public init(_ code: String, _ note: String) {
            self.code = code
            self.note = note
        }
    }

    public var name: String
    /// One line for the list `explain` prints alone.
    public var summary: String
    /// Other ways to ask for it: `learning rate`, `ppo`. Matched after `Topic.normalized`.
    public var aliases: [String]
    /// What it is, why it matters, and the formula where there is one.
    public var body: String
    /// One compact line per tool, "PEFT: r 8, alpha 8, …"; empty where tools have no setting.
    public var defaults: [String]
    public var uses: [Use]
    public var related: [String]
    /// A file name in `tutorials/`, such as `01-first-lora.md`.
    public var tutorial: String

    public init(_ name: String, summary: String, aliases: [String] = [], body: String, defaults: [String] = [],
                uses: [Use], related: [String] = [], tutorial: String) {
        self.name = name
        self.summary = summary
        self.aliases = aliases
        self.body = body
        self.defaults = defaults
        self.uses = uses
        self.related = related
        self.tutorial = tutorial
    }

    /// The topic as `explain NAME` prints it.
    public var rendered: String {
        var lines = ["\(name) — \(summary)", ""]
        lines += body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if !defaults.isEmpty {
            lines += ["", "What the tools use:"]
            lines += defaults.map { "  " + $0 }
        }
        lines += ["", "In hone:"]
        let width = uses.map(\.code.count).max() ?? 0
        lines += uses.map { "  " + $0.code.padding(toLength: width, withPad: " ", startingAt: 0) + "   # " + $0.note }
        if !related.isEmpty { lines.append("See also: " + related.map { "explain \($0)" }.joined(separator: ", ")) }
        lines.append("Tutorial: tutorials/\(tutorial)")
        return lines.joined(separator: "\n")
    }
}

extension Topic {
    /// Lowercase, with `-` and `_` read as spaces and runs of spaces as one: `Learning_Rate`
    /// and `learning-rate` both become `learning rate`.
    public static func normalized(_ text: String) -> String {
        String(text.lowercased().map { $0 == "-" || $0 == "_" ? " " : $0 })
            .split(separator: " ")
            .joined(separator: " ")
    }

    /// The topic a name or alias stands for, or nil.
    public static func named(_ text: String) -> Topic? {
        let key = normalized(text)
        return all.first { $0.name == key } ?? all.first { $0.aliases.contains { normalized($0) == key } }
    }

    public static var names: [String] { all.map(\.name) }

    /// Every name and alias as one word (spaces as `-`), for "did you mean".
    static var spellings: [String] {
        all.flatMap { [$0.name] + $0.aliases.map { normalized($0).replacingOccurrences(of: " ", with: "-") } }
    }

    /// `explain` alone: each topic with its one line.
    public static var list: String {
        let width = names.map(\.count).max() ?? 0
        return (["Topics (`explain NAME`):"]
                + all.map { "  " + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.summary }
                + ["`advise` walks through whether to fine-tune at all."])
            .joined(separator: "\n")
    }
}
