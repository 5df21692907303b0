import HoneModels
import Testing
@testable import HoneLang

@Suite("rendering diagnostics")
struct DiagnosticTests {
    @Test("an error renders as FILE:LINE:COL, the source line and a caret under the range")
    func rendersWithCaret() {
        let (outcome, _, _) = runScript("let a = 1\nlett x = 1")
        let error = outcome.errors[0]
        let text = DiagnosticRenderer().render(error)
        #expect(text == """
            <test>:2:1: error: unknown command `lett`; did you mean `let`?
            lett x = 1
            ^~~~
            help: `help` lists the commands

            """)
    }

    @Test("columns count characters, not bytes, and tabs are kept so the caret lines up")
    func unicodeAndTabs() {
        let (outcome, _, _) = runScript("print \"é\"\t+ nope")
        let text = DiagnosticRenderer().render(outcome.errors[0])
        #expect(text.hasPrefix("<test>:1:13: error: unknown variable `nope`"))
        #expect(text.contains("print \"é\"\t+ nope\n         \t  ^~~~\n"))
    }

    @Test("a cell keeps its line offset in the enclosing file")
    func lineOffset() {
        let file = SourceFile(name: "n.md", text: "print 1\nprint x", firstLine: 10)
        let outcome = Interpreter(session: Session(output: CapturedOutput(), interrupt: InterruptFlag())).runEntry(file)
        #expect(DiagnosticRenderer().render(outcome.errors[0]).hasPrefix("n.md:11:7: error: unknown variable `x`"))
    }

    @Test("a failed assertion shows both sides of the comparison")
    func assertionNotes() {
        let (outcome, _, _) = runScript("let loss = 2.5\nassert loss < 2 \"too high\"")
        let text = DiagnosticRenderer().render(outcome.errors[0])
        #expect(text.contains("<test>:2:8: error: assertion failed: too high"))
        #expect(text.contains("note: left side `loss` is 2.5"))
        #expect(text.contains("note: right side `2` is 2"))
    }

    @Test("colour is added only when asked")
    func colour() {
        let (outcome, _, _) = runScript("nope")
        #expect(!DiagnosticRenderer(useColor: false).render(outcome.errors[0]).contains("\u{1B}["))
        #expect(DiagnosticRenderer(useColor: true).render(outcome.errors[0]).contains("\u{1B}[31merror:"))
    }

    @Test("edit distance counts a transposition as one edit", arguments: [
        ("lett", "let", 1), ("seed", "sede", 1), ("alpha", "alpah", 1), ("train", "rain", 1), ("abc", "xyz", 3),
    ])
    func editDistance(_ a: String, _ b: String, _ d: Int) {
        #expect(Suggestions.editDistance(a, b) == d)
    }
}
