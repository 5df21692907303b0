import Foundation
import Testing

/// The `chat> ` prompt on a real terminal, after tutorial 01's training: side-by-side answers,
/// a preference labelled with /prefer, back at `hone>` with the pair in the session's data,
/// and `dpo` training on it.
@Suite("chat on a terminal", .serialized, .timeLimit(.minutes(3)))
struct ChatREPLTests {
    static let chatPrompt = "chat> "

    static func enterChat(_ line: String, on terminal: PseudoTerminal, timeout: Double = 60) throws -> String {
        terminal.type(line + REPLTests.enter)
        let output = try terminal.expect(chatPrompt, timeout: timeout)
        try terminal.waitUntilEditing()
        return output
    }

    @Test("/compare base default answers twice, labelled; /prefer 1 adds a pair that show data and dpo take after /exit",
          .enabled(if: REPLTests.binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func compareThenPrefer() throws {
        let home = try REPLTests.makeHome()
        let repl = try REPLTests.start(home: home)
        for line in ["load model hone-tiny", "set verbose=quiet", "world qa n=400 seed=1 as qa", "split qa val=0.1 seed=1",
                     "template alpaca", "lora r=8 alpha=16 targets=all-linear seed=1", "train qa.train steps=150 batch=8 lr=3e-3 val=qa.val",
                     "set verbose=normal"] {
            terminal(line, repl)
        }
        repl.type("chat" + REPLTests.enter)
        _ = try repl.expect(Self.chatPrompt)
        try repl.waitUntilEditing()
        _ = try Self.enterChat("/set temperature=0 max_tokens=24", on: repl)
        _ = try Self.enterChat("/compare base default", on: repl)
        let answers = try Self.enterChat("Where does Eva live?", on: repl)
        #expect(answers.contains("[1] base: ") && answers.contains("[2] default: "), "\(answers)")
        let preferred = try Self.enterChat("/prefer 1", on: repl)
        #expect(preferred.contains("added 1 pair to labels.dpo"), "\(preferred)")
        let wrong = try Self.enterChat("/prefer 3", on: repl)
        #expect(wrong.contains("the valid numbers are 1, 2"), "\(wrong)")
        let unknown = try Self.enterChat("/prefr 1", on: repl)
        #expect(unknown.contains("did you mean `/prefer`"), "\(unknown)")
        repl.type("/exit" + REPLTests.enter)
        _ = try repl.expect(REPLTests.prompt)
        try repl.waitUntilEditing()
        let shown = try REPLTests.enter("show data labels.dpo", on: repl)
        #expect(shown.contains("labels.dpo #1") && shown.contains("Where does Eva live?"), "\(shown)")
        repl.type("dpo labels.dpo steps=2 beta=0.1 lr=1e-3" + REPLTests.enter)
        let trained = try repl.expect(REPLTests.prompt, timeout: 60)
        #expect(trained.contains("trained") && !trained.contains("error"), "\(trained)")
        // The prompt kept its own history, beside the REPL's.
        let chatHistory = try REPLTests.historyEntries(at: home + "/history_chat")
        #expect(chatHistory.contains("Where does Eva live?") && chatHistory.contains("/prefer 1"))
        #expect(try !REPLTests.historyEntries(at: home + "/history").contains("/prefer 1"))
    }

    @Test("/fix puts the last answer on the line to edit; the edited answer becomes an SFT example",
          .enabled(if: REPLTests.binary != nil, "the hone binary is not built: run `swift build` or set HONE_BIN"))
    func fixEditsTheLastAnswer() throws {
        let repl = try REPLTests.start(home: try REPLTests.makeHome())
        terminal("load model hone-tiny", repl)
        repl.type("chat" + REPLTests.enter)
        _ = try repl.expect(Self.chatPrompt)
        try repl.waitUntilEditing()
        _ = try Self.enterChat("/set temperature=0 max_tokens=8", on: repl)
        let answer = try Self.enterChat("Where does Eva live?", on: repl)
        repl.type("/fix" + REPLTests.enter)
        _ = try repl.expect("fix> ")
        // The line holds the answer: its first word is drawn after the prompt.
        let firstWord = answer.components(separatedBy: "\r\n").dropFirst().first.map { String($0.split(separator: " ").first ?? "") } ?? ""
        #expect(!firstWord.isEmpty, "\(answer)")
        if !firstWord.isEmpty { _ = try repl.expect(firstWord, timeout: 10) }
        try repl.waitUntilEditing()
        let fixed = try Self.enterChat(" Really.", on: repl)
        #expect(fixed.contains("added 1 example to labels.sft"), "\(fixed)")
        repl.type(REPLTests.ctrlD)
        _ = try repl.expect(REPLTests.prompt)
        try repl.waitUntilEditing()
        let shown = try REPLTests.enter("show data labels.sft", on: repl)
        #expect(shown.contains("Really."), "\(shown)")
    }

    private func terminal(_ line: String, _ repl: PseudoTerminal) {
        repl.type(line + REPLTests.enter)
        _ = try? repl.expect(REPLTests.prompt, timeout: 90)
        try? repl.waitUntilEditing()
    }
}
