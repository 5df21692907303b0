import Foundation
import HoneLang

/// The interactive loop on a terminal: read an entry (one line, or several while it is
/// unfinished, under the `  ... ` prompt), run it as a whole, show its errors, keep its history.
///
/// Keys: Tab completes (`Completer`); Ctrl-C at the prompt drops what was typed of the entry;
/// Ctrl-C while a command runs stops it at its next safe point (the interpreter polls the flag)
/// and the session stays; Ctrl-D on an empty line leaves with status 0, and inside an unfinished
/// entry runs it as it is, which reports what is missing. `exit`/`quit` leave with their status.
/// The greeting is left out when `HONE_QUIET=1`.
struct REPL {
    static let prompt = "hone> "
    static let continuationPrompt = "  ... "

    let frontEnd: FrontEnd

    func run() -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        let editor = LineEditor(completer: Completer(session: frontEnd.session))
        var history = HistoryFile.path(environment: environment).map(HistoryFile.init(path:))
        if let file = history {
            do {
                try file.prepare()
                editor.loadHistory(from: file.path)
            } catch {
                warn("\(error); this session's history will not be saved")
                history = nil
            }
        }
        let chatHistory = ChatREPL.historyPath(environment: environment)
        frontEnd.session.interactiveChat = { [frontEnd] context in
            ChatREPL(frontEnd: frontEnd, editor: editor, historyPath: chatHistory).run(context)
        }
        defer { frontEnd.session.interactiveChat = nil }
        if environment["HONE_QUIET"] != "1" {
            write("hone \(HoneVersion.string): type `help` for the commands, Ctrl-D to leave\n")
        }

        var lines: [String] = []
        while true {
            editor.pendingText = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
            switch editor.read(prompt: lines.isEmpty ? Self.prompt : Self.continuationPrompt) {
            case .interrupted:
                lines = []
                write("\n")
            case .endOfInput:
                write("\n")
                if lines.isEmpty { return 0 }
                let text = lines.joined(separator: "\n")
                lines = []
                remember(text, editor: editor, history: &history)
                if let status = finish(frontEnd.interpreter.runEntry(SourceFile(name: "<repl>", text: text))) { return status }
            case .line(let line):
                lines.append(line)
                let text = lines.joined(separator: "\n")
                if text.allSatisfy(\.isWhitespace) {
                    lines = []
                    continue
                }
                // An open block or string, or a trailing `\`, continues under `  ... `.
                let source = SourceFile(name: "<repl>", text: text)
                if Parser.parse(source, registry: frontEnd.session.registry).needsMoreInput { continue }
                lines = []
                // Kept before it runs, so that a command that brings hone down stays in the history.
                remember(text, editor: editor, history: &history)
                if let status = finish(frontEnd.interpreter.runEntry(source)) { return status }
            }
        }
    }

    /// Shows an entry's errors; returns the exit status when it asks to leave.
    private func finish(_ outcome: EntryOutcome) -> Int32? {
        switch outcome {
        case .failed(let errors): frontEnd.report(errors)
        case .exit(let status): return status
        case .completed, .needsMoreInput: break
        }
        return nil
    }

    /// Adds an entry, without its surrounding blanks, to the Up-arrow history and appends it to
    /// the history file at once. A repeat of the previous entry is not added again.
    private func remember(_ text: String, editor: LineEditor, history: inout HistoryFile?) {
        let entry = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard editor.addHistory(entry), let file = history else { return }
        do {
            try file.append(entry)
        } catch {
            warn("\(error); this session's history will not be saved")
            history = nil
        }
    }

    private func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }

    private func warn(_ message: String) {
        FileHandle.standardError.write(Data("hone: warning: \(message)\n".utf8))
    }
}
