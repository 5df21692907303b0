import Foundation
import Testing
@testable import HoneLang

@Suite("Tab completion")
struct CompletionTests {
    /// A fixed set of commands, so that commands added later don't change these tables.
    static let registry = CommandRegistry([
        HelpCommand.self, LetCommand.self, ForCommand.self, IfCommand.self, PrintCommand.self,
        SetCommand.self, ShowVarsCommand.self, ShowSessionCommand.self, HistoryCommand.self,
        HistorySaveCommand.self, RunCommand.self, TimeCommand.self, SleepCommand.self,
        ExitCommand.self, FakeLoraCommand.self, FakeShowDataCommand.self,
    ])

    /// A session holding `lr`, `rank` and `label`.
    static func completer(in directory: String? = nil) -> Completer {
        let session = Session(registry: registry, output: CapturedOutput(), interrupt: InterruptFlag())
        session.setVariable("lr", .float(2e-4))
        session.setVariable("rank", .int(8))
        session.setVariable("label", .string("run"))
        return Completer(session: session, currentDirectory: directory)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var line: String
        var expected: [String]
        var testDescription: String { "`\(line)` → \(expected)" }
        init(_ line: String, _ expected: [String]) {
            self.line = line
            self.expected = expected
        }
    }

    static let statementStarts: [Case] = [
        Case("sho", ["show"]),
        Case("sle", ["sleep"]),
        Case("le", ["let"]),
        Case("l", ["label", "let", "lora", "lr"]),
        Case("ra", ["rank"]),
        Case("tru", ["true"]),
        Case("no", ["none", "not"]),
        Case("  pri", ["print"]),
        Case("print 1; sh", ["show"]),
        Case("print 1\nsh", ["show"]),
        Case("for r in [1, 2] { pr", ["print"]),
        Case("if true { print 1 } el", ["else"]),
        Case("el", []),
        Case("zzz", []),
    ]

    static let commandWords: [Case] = [
        Case("show v", ["vars"]),
        Case("show ", ["data", "session", "vars"]),
        Case("history s", ["save"]),
        Case("help ", ["exit", "for", "help", "history", "if", "let", "lora", "print", "run", "set", "show", "sleep", "time"]),
        Case("help sh", ["show"]),
        Case("help show ", ["data", "session", "vars"]),
        Case("?se", ["set"]),
        Case("??le", ["let"]),
        Case("? sh", ["show"]),
        Case("time sl", ["sleep"]),
        Case("time l", ["lora"]),
        Case("let y = sh", ["show"]),
        Case("let y = l", ["label", "lora", "lr"]),
        Case("let ", []),
        Case("let y", []),
        Case("for r ", ["in"]),
        Case("for r in ra", ["rank"]),
        Case("if la", ["label"]),
        Case("else ", ["if"]),
        Case("frobnicate x", []),
    ]

    static let arguments: [Case] = [
        Case("set se", ["seed="]),
        Case("set seed=1 se", []),
        Case("set seed = 1 th", ["threads="]),
        Case("set verbose=", ["full", "normal", "quiet"]),
        Case("set verbose=q", ["quiet"]),
        Case("set verbose = f", ["full"]),
        Case("lora alp", ["alpha="]),
        Case("lora a", ["alpha=", "as"]),
        Case("lora rs", ["rslora", "rslora="]),
        Case("lora rslora r", ["r="]),
        Case("lora r=8 r", ["rslora", "rslora="]),
        Case("lora init=", ["gaussian", "kaiming", "pissa"]),
        Case("lora init=pi", ["pissa"]),
        Case("lora rslora=t", ["true"]),
        Case("lora rslora=", ["false", "label", "lr", "rank", "true"]),
        Case("lora r=ra", ["rank"]),
        Case("lora targets=", []),
        Case("lora targets=q_proj,", []),
        Case("lora o", ["on"]),
        Case("lora as ", []),
        Case("lora as x o", ["on"]),
        Case("lora init=[gaussian, pissa] a", ["alpha=", "as"]),
        Case("sleep ra", ["rank"]),
        Case("show vars ", []),
    ]

    static let expressions: [Case] = [
        Case("print $", ["label", "lr", "rank"]),
        Case("print $r", ["rank"]),
        Case("lora alpha=$l", ["label", "lr"]),
        Case("print ra", ["rank"]),
        Case("print no", ["none", "not"]),
        Case("print 1 + ra", ["rank"]),
        Case("print (1 + ra", ["rank"]),
        Case("print lr a", ["and"]),
        Case("print \"$la", ["label"]),
        Case("print \"${ra", ["rank"]),
        Case("# print ra", []),
        Case("print 1 # ra", []),
    ]

    @Test("at a statement's start: commands, keywords and variables", arguments: statementStarts)
    func statementStart(_ c: Case) {
        #expect(Self.completer().complete(lineBeforeCursor: c.line) == c.expected)
    }

    @Test("command words, `help` topics and statement forms", arguments: commandWords)
    func words(_ c: Case) {
        #expect(Self.completer().complete(lineBeforeCursor: c.line) == c.expected)
    }

    @Test("unused keys, flags, clauses and argument values", arguments: arguments)
    func argumentCompletion(_ c: Case) {
        #expect(Self.completer().complete(lineBeforeCursor: c.line) == c.expected)
    }

    @Test("variables and keywords in expressions; nothing in comments", arguments: expressions)
    func expressionCompletion(_ c: Case) {
        #expect(Self.completer().complete(lineBeforeCursor: c.line) == c.expected)
    }

    @Test("the statement start offers every command's first word once, and the variables")
    func everything() {
        let all = Self.completer().complete(lineBeforeCursor: "")
        #expect(all == Array(Set(Self.registry.firstWords + ["true", "false", "none", "not", "lr", "rank", "label"])).sorted())
    }

    // MARK: Paths

    /// A directory with `data/train.jsonl`, `my dir/file.txt`, `notes.txt`, `setup.hone` and
    /// `.hidden`.
    static func makeDirectory() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hone-completion-\(UUID().uuidString)").path
        for directory in ["data", "my dir"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        for file in ["data/train.jsonl", "my dir/file.txt", "notes.txt", "setup.hone", ".hidden"] {
            _ = FileManager.default.createFile(atPath: root + "/" + file, contents: Data())
        }
        return root
    }

    static let paths: [Case] = [
        Case("print \"", ["data/", "my dir/", "notes.txt", "setup.hone"]),
        Case("print \"d", ["data/"]),
        Case("print \"data/", ["data/train.jsonl"]),
        Case("print \"data/t", ["data/train.jsonl"]),
        Case("print \".h", [".hidden"]),
        Case("print \"my dir/f", ["dir/file.txt"]),
        Case("print \"nothing", []),
        Case("run \"", ["data/", "my dir/", "setup.hone"]),
        Case("run s", ["setup.hone"]),
        Case("run ", ["data/", "my dir/", "setup.hone"]),
        Case("run data/", []),
        Case("history save \"s", ["setup.hone"]),
        Case("let t = run \"se", ["setup.hone"]),
    ]

    @Test("paths in an open string or for a path argument, relative to the directory", arguments: paths)
    func pathCompletion(_ c: Case) throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(Self.completer(in: directory).complete(lineBeforeCursor: c.line) == c.expected)
    }

    @Test("an absolute path completes from the root")
    func absolutePath() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(Self.completer().complete(lineBeforeCursor: "print \"\(directory)/no") == ["\(directory)/notes.txt"])
    }

    // MARK: What follows a unique candidate

    struct Ending: CustomTestStringConvertible, Sendable {
        var line: String
        var append: Character?
        var testDescription: String { "`\(line)` → \(append.map { "`\($0)`" } ?? "nothing")" }
    }

    static let endings: [Ending] = [
        Ending(line: "sho", append: " "),
        Ending(line: "set se", append: nil),
        Ending(line: "lora init=pi", append: " "),
        Ending(line: "print \"no", append: "\""),
        Ending(line: "print \"d", append: nil),
        Ending(line: "print \"$la", append: nil),
        Ending(line: "run d", append: nil),
    ]

    @Test("a unique candidate is followed by a space, nothing after `=` or `/`, or a closing quote", arguments: endings)
    func appendCharacter(_ e: Ending) throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = Self.completer(in: directory).completion(lineBeforeCursor: e.line)
        #expect(result.candidates.count == 1)
        #expect(result.appendCharacter == e.append)
    }

    @Test("the word a candidate replaces is the text after the last break character")
    func currentWord() {
        #expect(Completer.currentWord(lineBeforeCursor: "set se") == "se")
        #expect(Completer.currentWord(lineBeforeCursor: "set verbose=q") == "q")
        #expect(Completer.currentWord(lineBeforeCursor: "print $r") == "r")
        #expect(Completer.currentWord(lineBeforeCursor: "run \"data/tr") == "data/tr")
        #expect(Completer.currentWord(lineBeforeCursor: "?se") == "se")
        #expect(Completer.currentWord(lineBeforeCursor: "show ") == "")
    }

    @Test("odd input gives no candidates and never traps", arguments: ["\"", "\\", "$", "=", "[[[", "]]]", "}}}", "let = =", "lora ,,", "lora targets=[", "print \"\\", "é", "lora init=é", "set\u{0}se", "\u{FF}"])
    func oddInput(_ line: String) {
        _ = Self.completer().completion(lineBeforeCursor: line)
    }
}
