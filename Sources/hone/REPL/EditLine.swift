@preconcurrency import CEditLine
import Foundation
import HoneLang

/// The REPL's line editor: libedit through its readline-compatible API (../shared/SWIFT-NOTES.md
/// §2.2–2.5), with Tab completion from `Completer`. The only file that imports `CEditLine`.
final class LineEditor {
    enum Input: Equatable {
        case line(String)
        /// Ctrl-C at the prompt: the half-typed line is gone.
        case interrupted
        /// Ctrl-D on an empty line, or the terminal went away.
        case endOfInput
    }

    let completer: Completer
    /// The lines of the entry typed so far (before a `  ... ` prompt), which completion reads as
    /// context: a line inside an open block or string is completed as part of its entry.
    var pendingText = ""
    private var newestEntry: String?

    init(completer: Completer) {
        self.completer = completer
        Self.useUTF8Characters()
        rl_initialize()
        // libedit keeps these pointers, so they are never freed.
        rl_readline_name = UnsafePointer(strdup("hone"))
        rl_basic_word_break_characters = UnsafePointer(strdup(Completer.wordBreakCharacters))
        rl_attempted_completion_function = attemptCompletion
        using_history()
        stifle_history(Int32(HistoryFile.limit))
        activeEditor = self
    }

    /// libedit decodes keys with the C library's character type, which is plain ASCII until a
    /// program calls `setlocale`: `é` typed or completed would be dropped. hone text is UTF-8, so
    /// the environment's locale is taken when it is UTF-8, and C.UTF-8 otherwise.
    static func useUTF8Characters() {
        setlocale(LC_CTYPE, "")
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset) == "UTF-8" { return }
        setlocale(LC_CTYPE, "C.UTF-8")
    }

    /// Reads one line with `prompt`. Ctrl-C at the prompt makes libedit's `readline` return NULL
    /// with `errno == EINTR` and the interrupt flag raised, which is told apart from Ctrl-D here.
    func read(prompt: String) -> Input {
        // A Ctrl-C that came after the last command stopped is stale; left raised, the next
        // Ctrl-C would be taken for a second one and end the process (see Signals).
        _ = InterruptFlag.shared.consume()
        errno = 0
        guard let raw = readline(prompt) else {
            let error = errno
            if InterruptFlag.shared.consume() || error == EINTR { return .interrupted }
            return .endOfInput
        }
        defer { free(raw) }
        return .line(String(cString: raw))
    }

    /// Reads one line that starts out holding `text`, for editing (libedit's pre-input hook
    /// inserts it once the prompt is drawn, before the first key is read).
    func read(prompt: String, prefilled text: String) -> Input {
        pendingPrefill = text
        rl_pre_input_hook = insertPendingPrefill
        defer {
            rl_pre_input_hook = nil
            pendingPrefill = nil
        }
        return read(prompt: prompt)
    }

    /// The Up-arrow entries, oldest first.
    func historyEntries() -> [String] {
        var entries: [String] = []
        if let list = history_list() {
            var i = 0
            while let entry = list[i] {
                if let line = entry.pointee.line { entries.append(String(cString: line)) }
                i += 1
            }
        }
        return entries
    }

    /// Empties the Up-arrow history (the chat prompt keeps one of its own).
    func clearHistory() {
        clear_history()
        newestEntry = nil
    }

    /// Loads the entries of a history file (in libedit's format) for the Up arrow.
    func loadHistory(from path: String) {
        _ = read_history(path)
        if let list = history_list() {
            var i = 0
            while let entry = list[i] {
                if let line = entry.pointee.line { newestEntry = String(cString: line) }
                i += 1
            }
        }
    }

    /// Makes `entry` the newest for the Up arrow. Returns false, adding nothing, when it repeats
    /// the newest entry.
    func addHistory(_ entry: String) -> Bool {
        guard entry != newestEntry else { return false }
        newestEntry = entry
        _ = add_history(entry)
        return true
    }

    /// The completions for the text before the cursor, `word` being the text libedit replaces.
    func completions(word: String, lineBeforeCursor line: String) -> (candidates: [String], append: Character?) {
        let text = pendingText + line
        let result = completer.completion(lineBeforeCursor: text)
        let ours = Completer.currentWord(lineBeforeCursor: text)
        // libedit's word can differ from ours: after a `"` it takes the quote as the word.
        var candidates = result.candidates
        if word != ours {
            if word.hasSuffix(ours) {
                let prefix = String(word.dropLast(ours.count))
                candidates = candidates.map { prefix + $0 }
            } else {
                return ([], nil)
            }
        }
        return (candidates, result.appendCharacter)
    }
}

/// The editor whose completer the C callback asks; set once, before the first prompt.
nonisolated(unsafe) private var activeEditor: LineEditor?

/// libedit's completion hook: returns a malloc'd, NULL-terminated array whose first string is
/// the candidates' common prefix (what Tab inserts) followed by the candidates, the shape
/// `rl_completion_matches` builds; libedit frees it.
private func attemptCompletion(
    _ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32
) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1  // never fall back to libedit's own filename completion
    guard let editor = activeEditor, let buffer = rl_line_buffer else { return nil }
    // `rl_line_buffer` holds UTF-8 bytes, but libedit's positions (`end`, `rl_point`) count
    // characters: the text before the cursor is the first `end` scalars.
    let scalars = String(cString: buffer).unicodeScalars
    var beforeCursor = String.UnicodeScalarView()
    beforeCursor.append(contentsOf: scalars.prefix(max(0, Int(end))))
    let line = String(beforeCursor)
    let word = text.map { String(cString: $0) } ?? ""
    let (candidates, append) = editor.completions(word: word, lineBeforeCursor: line)
    guard !candidates.isEmpty else { return nil }
    rl_completion_append_character = Int32(append?.asciiValue ?? 0)

    // libedit releases the array and its strings with free(), so they come from malloc.
    let count = candidates.count + 2
    guard let memory = malloc(count * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride) else { return nil }
    let matches = memory.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: count)
    matches[0] = strdup(commonPrefix(candidates))
    for (i, candidate) in candidates.enumerated() { matches[i + 1] = strdup(candidate) }
    matches[count - 1] = nil
    return matches
}

/// The longest prefix of whole characters that every candidate shares.
private func commonPrefix(_ candidates: [String]) -> String {
    guard var prefix = candidates.first.map(Array.init) else { return "" }
    for candidate in candidates.dropFirst() {
        let other = Array(candidate)
        var n = 0
        while n < min(prefix.count, other.count) && prefix[n] == other[n] { n += 1 }
        prefix.removeSubrange(n...)
    }
    return String(prefix)
}

/// The text `read(prompt:prefilled:)` puts on the line; read by the C startup hook.
nonisolated(unsafe) private var pendingPrefill: String?

private func insertPendingPrefill() -> Int32 {
    if let text = pendingPrefill {
        _ = rl_insert_text(text)
        rl_redisplay()
    }
    pendingPrefill = nil
    return 0
}
