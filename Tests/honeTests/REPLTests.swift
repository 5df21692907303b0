import Foundation
import Testing

/// Drives the built `hone` REPL through a pseudo-terminal as a person would: typing, Tab,
/// Ctrl-C, Ctrl-D, the Up arrow. Each session gets a fresh home and history file. The tests run
/// one at a time so that timing (Ctrl-C stopping `sleep`) is not measured on a crowded machine.
@Suite("the REPL on a terminal", .serialized, .timeLimit(.minutes(1)))
struct REPLTests {
    static let binary = HoneBinary.path

    static let prompt = "hone> "
    static let continuationPrompt = "  ... "
    static let up = "\u{1B}[A", ctrlC = "\u{03}", ctrlD = "\u{04}", tab = "\t", enter = "\r"

    /// A fresh directory standing in for the user's home (no ~/.editrc), holding the history.
    static func makeHome() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hone-repl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Starts the REPL on a terminal (TERM=xterm) and waits for its first prompt.
    static func start(home: String, without removed: Set<String> = []) throws -> PseudoTerminal {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HONE_") && !removed.contains($0.key) }
        environment["TERM"] = "xterm"
        environment["HOME"] = home
        environment["HONE_HISTORY"] = home + "/history"
        let binary = try #require(binary, "the hone binary is not built")
        let terminal = try PseudoTerminal(executable: binary, environment: environment)
        try terminal.expect(prompt)
        try terminal.waitUntilEditing()
        return terminal
    }

    /// Types a line and returns what it printed, up to the next prompt (once it takes keys).
    @discardableResult
    static func enter(_ line: String, on terminal: PseudoTerminal) throws -> String {
        terminal.type(line + enter)
        let output = try terminal.expect(prompt)
        try terminal.waitUntilEditing()
        return output
    }

    /// Presses Ctrl-C at the prompt after a person's pause. libedit learns of Ctrl-C from the
    /// SIGINT interrupting its `read`; a signal in the microseconds between drawing the line and
    /// calling `read` interrupts nothing, a race only a program typing could lose.
    static func interruptPrompt(on terminal: PseudoTerminal) {
        Thread.sleep(forTimeInterval: 0.1)
        terminal.type(ctrlC)
    }

    /// The entries of a history file in libedit's format, octal escapes (`\040`) decoded.
    static func historyEntries(at path: String) throws -> [String] {
        let data = try #require(FileManager.default.contents(atPath: path), "no history file at \(path)")
        let lines = data.split(separator: UInt8(ascii: "\n"))
        #expect(lines.first.map { String(decoding: $0, as: UTF8.self) } == "_HiStOrY_V2_")
        return lines.dropFirst().map { line in
            let escaped = Array(line)
            var bytes: [UInt8] = []
            var i = 0
            while i < escaped.count {
                if escaped[i] == UInt8(ascii: "\\"), i + 3 < escaped.count,
                    let value = UInt8(String(decoding: escaped[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                    bytes.append(value)
                    i += 4
                } else {
                    bytes.append(escaped[i])
                    i += 1
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test("a typed command runs and its result is printed", .enabled(if: binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func typedCommand() throws {
        let repl = try Self.start(home: try Self.makeHome())
        try Self.enter("let x = 41 + 1", on: repl)
        let output = try Self.enter("print x", on: repl)
        #expect(output.contains("\r\n42\r\n"))
    }

    @Test("Tab completes a command's words and an option's key", .enabled(if: binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func tabCompletion() throws {
        let repl = try Self.start(home: try Self.makeHome())
        try Self.enter("let answer = 42", on: repl)
        repl.type("sho" + Self.tab)
        try repl.expectLine("hone> show ")
        repl.type("v" + Self.tab)
        try repl.expectLine("hone> show vars ")
        let listing = try Self.enter("", on: repl)
        #expect(listing.split(separator: "\r\n").contains { $0.hasPrefix("answer") && $0.contains("42") }, "\(listing)")

        // A key gets its `=` and no space, so the value follows directly.
        repl.type("set se" + Self.tab)
        try repl.expectLine("hone> set seed=")
        let changed = try Self.enter("7", on: repl)
        #expect(changed.contains("seed = 7"), "\(changed)")
    }

    @Test("non-ASCII text is typed and completed around, even with no locale set", .enabled(if: binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func unicodeInput() throws {
        let repl = try Self.start(home: try Self.makeHome(), without: ["LANG", "LC_ALL", "LC_CTYPE"])
        try Self.enter("let answer = 1", on: repl)
        repl.type("print \"héllo 日本\", ans" + Self.tab)
        try repl.expectLine("hone> print \"héllo 日本\", answer ")
        let output = try Self.enter("", on: repl)
        #expect(output.contains("\r\nhéllo 日本 1\r\n"), "\(output)")
    }

    @Test("Ctrl-C at the prompt drops the half-typed line and the session goes on", .enabled(if: binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func interruptAtPrompt() throws {
        let repl = try Self.start(home: try Self.makeHome())
        try Self.enter("let y = 5", on: repl)
        repl.type("print 999")
        try repl.expectLine("hone> print 999")
        Self.interruptPrompt(on: repl)
        try repl.expectLine("hone> ")
        let output = try Self.enter("print y", on: repl)
        #expect(output.contains("\r\n5\r\n"))
        #expect(!output.contains("999"))
    }

    @Test("Ctrl-C stops a running command at once and the session keeps its variables", .enabled(if: binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func interruptRunningCommand() throws {
        let repl = try Self.start(home: try Self.makeHome())
        try Self.enter("let z = 7", on: repl)
        repl.type("sleep 30" + Self.enter)
        try repl.expect("sleep 30\r\n")
        Thread.sleep(forTimeInterval: 0.3)
        let pressed = Date()
        repl.type(Self.ctrlC)
        let output = try repl.expect(Self.prompt, timeout: 10)
        let elapsed = Date().timeIntervalSince(pressed)
        #expect(output.contains("interrupted"), "\(output)")
        #expect(elapsed < 3, "`sleep 30` took \(elapsed) s to stop after Ctrl-C")
        let after = try Self.enter("print z", on: repl)
        #expect(after.contains("\r\n7\r\n"))
    }

    @Test("Ctrl-D on an empty line leaves with status 0; `exit 3` with status 3", .enabled(if: binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func leaving() throws {
        let first = try Self.start(home: try Self.makeHome())
        first.type(Self.ctrlD)
        #expect(try first.waitForExit() == 0)

        let second = try Self.start(home: try Self.makeHome())
        second.type("exit 3" + Self.enter)
        #expect(try second.waitForExit() == 3)
    }

    @Test("an unfinished entry continues under `  ... ` and runs as a whole", .enabled(if: binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func multiLineEntry() throws {
        let repl = try Self.start(home: try Self.makeHome())
        repl.type("for r in [1, 2] {" + Self.enter)
        try repl.expectLine(Self.continuationPrompt)
        repl.type("print r" + Self.enter)
        try repl.expectLine(Self.continuationPrompt)
        let output = try Self.enter("}", on: repl)
        #expect(output.contains("\r\n1\r\n2\r\n"), "\(output)")
    }

    @Test("the history file keeps each entry as typed, across sessions and a kill", .enabled(if: binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func history() throws {
        let home = try Self.makeHome()
        let path = home + "/history"
        let first = try Self.start(home: home)
        try Self.enter("let a = 1", on: first)
        first.type("for r in [1, 2] {" + Self.enter)
        try first.expectLine(Self.continuationPrompt)
        first.type("print r" + Self.enter)
        try first.expectLine(Self.continuationPrompt)
        try Self.enter("}", on: first)
        try Self.enter("print a", on: first)
        first.type(Self.ctrlD)
        #expect(try first.waitForExit() == 0)
        #expect(try Self.historyEntries(at: path) == ["let a = 1", "for r in [1, 2] {\nprint r\n}", "print a"])

        // A new session recalls the last entry with the Up arrow; an entry is on disk as soon
        // as it is typed, so a killed session keeps it.
        let second = try Self.start(home: home)
        second.type(Self.up)
        try second.expectLine("hone> print a")
        Self.interruptPrompt(on: second)
        try second.expectLine(Self.prompt)
        try Self.enter("print 123", on: second)
        kill(second.pid, SIGKILL)
        #expect(try second.waitForExit() == 128 + SIGKILL)
        #expect(try Self.historyEntries(at: path).last == "print 123")
    }
}
