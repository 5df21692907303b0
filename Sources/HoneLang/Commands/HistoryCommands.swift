import HoneModels

/// `history`: what was typed in this session.
public enum HistoryCommand: Command {
    public static let spec = CommandSpec(
        ["history"], summary: "list what was typed in this session, numbered",
        discussion: "Entries that failed are marked with `✗`. `history save FILE.hone` writes the rest as a script.",
        category: .session,
        examples: [.init("history", "numbered entries")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let entries = context.session.history
        if entries.isEmpty { context.show("no history yet") }
        for (i, entry) in entries.enumerated() {
            let lines = entry.text.split(separator: "\n", omittingEmptySubsequences: false)
            let mark = entry.succeeded ? " " : "✗"
            context.show("\(String(i + 1).leftPadded(to: 4)) \(mark) \(lines.joined(separator: "\n        "))")
        }
        return .list(entries.map { .string($0.text) })
    }
}

/// `history save FILE.hone`: the session as a script that reruns it.
public enum HistorySaveCommand: Command {
    static let file = Arg<String>.positional("file", .path(extensions: ["hone"]), help: "the script to write")

    public static let spec = CommandSpec(
        ["history", "save"], summary: "write what was typed as a script that reruns it",
        discussion: """
            Leaves out entries that failed and those that only look or leave (`help`, `history`, \
            `show …`, `exit`, `quit`), so the script reruns what built the session. The file is \
            written atomically.
            """,
        category: .session, arguments: [file.spec],
        examples: [.init("history save lesson1.hone", "then `hone lesson1.hone` reruns it")])

    static let skipped: Set<String> = ["help", "history", "show", "exit", "quit"]

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let path = context.resolve(path: arguments[file])
        var kept: [String] = []
        var dropped = 0
        for entry in context.session.history {
            let first = entry.text.trimmingLeadingSpace().prefix { !$0.isWhitespace }
            if !entry.succeeded || skipped.contains(String(first)) || first.hasPrefix("?") {
                dropped += 1
            } else {
                kept.append(entry.text)
            }
        }
        let text = "# hone session history\n" + kept.map { $0 + "\n" }.joined()
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw HoneError(.io, "cannot write `\(arguments[file])`: \(error)", at: arguments.range(of: file))
        }
        context.say("wrote \(kept.count) entr\(kept.count == 1 ? "y" : "ies") to \(arguments[file])" + (dropped > 0 ? " (left out \(dropped) that failed or only looked)" : ""))
        return .string(path)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    func trimmingLeadingSpace() -> Substring { drop { $0.isWhitespace } }
}
