import Foundation
import HoneLang

/// The `chat> ` prompt that `chat` opens on a terminal: each line is a message or a slash
/// command, run as the `chat …` statement it stands for (`ChatLine`), so it is checked, shown
/// and kept in the session's history as any statement is. It keeps an Up-arrow history of its
/// own (a file beside the REPL's, `…_chat`), and gives the REPL's back when it returns.
/// Ctrl-C stops an answer as it streams (the generator polls the interrupt flag) and at the
/// prompt drops the line; Ctrl-D or /exit returns to `hone>` with the session as it is.
struct ChatREPL {
    static let prompt = "chat> "
    static let continuationPrompt = "  ... "

    let frontEnd: FrontEnd
    let editor: LineEditor
    let historyPath: String?

    func run(_ context: CommandContext) {
        let outer = editor.historyEntries()
        editor.clearHistory()
        var history = historyPath.map(HistoryFile.init(path:))
        if let file = history {
            do {
                try file.prepare()
                editor.loadHistory(from: file.path)
            } catch {
                history = nil
            }
        }
        defer {
            editor.clearHistory()
            for entry in outer { _ = editor.addHistory(entry) }
        }
        let model = context.session.workspace.currentModel.map { "`\($0.name)`" } ?? "no model yet"
        write("chat with \(model): type a message; /help lists the commands; /exit or Ctrl-D goes back to hone>\n")
        var pending: [String] = []
        while true {
            switch editor.read(prompt: pending.isEmpty ? Self.prompt : Self.continuationPrompt) {
            case .interrupted:
                pending = []
                write("\n")
            case .endOfInput:
                write("\n")
                return
            case .line(let line):
                // A trailing `\` continues the message on the next line.
                if line.hasSuffix("\\") {
                    pending.append(String(line.dropLast()))
                    continue
                }
                let text = (pending + [line]).joined(separator: "\n")
                pending = []
                guard let parsed = ChatLine.parse(text) else { continue }
                remember(text, history: &history)
                switch parsed {
                case .exit: return
                case .help: write(ChatLine.helpText + "\n")
                case .unknown(let message): FileHandle.standardError.write(Data("error: \(message)\n".utf8))
                case .editLastAnswer: editLastAnswer(context)
                case .statement(let statement): runStatement(statement)
                }
            }
        }
    }

    /// `/fix` alone: the last kept answer is put on the line to edit (line breaks shown as
    /// `\n`); Enter runs `chat fix` with what is there, Ctrl-C leaves it unchanged.
    private func editLastAnswer(_ context: CommandContext) {
        guard let turn = context.session.conversation.turns.last else {
            runStatement("chat fix \"\"")  // the command says why there is nothing to fix
            return
        }
        let shown = turn.keptText.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
        switch editor.read(prompt: "fix> ", prefilled: shown) {
        case .line(let edited):
            let answer = Self.unescaped(edited)
            runStatement("chat fix " + ChatLine.quoted(answer))
        case .interrupted, .endOfInput:
            write("\n(unchanged)\n")
        }
    }

    private func runStatement(_ statement: String) {
        let outcome = frontEnd.interpreter.runEntry(SourceFile(name: "<chat>", text: statement))
        if case .failed(let errors) = outcome { frontEnd.report(errors) }
    }

    private func remember(_ text: String, history: inout HistoryFile?) {
        guard editor.addHistory(text), let file = history else { return }
        if (try? file.append(text)) == nil { history = nil }
    }

    /// The edited line with `\n` back as line breaks and `\\` as one backslash.
    static func unescaped(_ line: String) -> String {
        var out = "", escaping = false
        for c in line {
            if escaping {
                out += c == "n" ? "\n" : String(c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return escaping ? out + "\\" : out
    }

    /// The chat prompt's history file: the REPL's with `_chat` added, or none when it has none.
    static func historyPath(environment: [String: String]) -> String? {
        HistoryFile.path(environment: environment).map { $0 + "_chat" }
    }

    private func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }
}
