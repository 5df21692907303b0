import Foundation
import Testing
@testable import HoneLang

/// What a notebook front end gets beside the text: tables as HTML, plots as SVG, values as
/// results, and a training run's live displays. The text of each is what every other front end
/// prints, so a Markdown notebook and a Jupyter one hold the same facts.
@Suite("rich output")
struct RichOutputTests: SessionTesting {
    /// Records displays and results apart from text, as the Jupyter kernel's sink does.
    final class RichCapture: OutputSink {
        var text = ""
        var volatileText = ""
        var displays: [Display] = []
        var results: [String] = []
        let live: Bool
        init(live: Bool) { self.live = live }
        var showsLiveDisplays: Bool { live }
        func emit(_ text: String, _ kind: OutputKind) {
            if kind == .volatile { volatileText += text } else { self.text += text }
        }
        func display(_ display: Display) { displays.append(display) }
        func result(_ text: String) { results.append(text) }
    }

    func richSession(live: Bool = true) -> (Interpreter, RichCapture) {
        let output = RichCapture(live: live)
        let session = Session(output: output, interrupt: InterruptFlag())
        return (Interpreter(session: session), output)
    }

    @Test("an expression statement's value is a result, not text; `print` stays text")
    func expressionValueIsAResult() {
        let (interpreter, output) = richSession()
        let outcome = run(interpreter, "let x = 41\nx + 1\nprint x")
        #expect(outcome.errors.isEmpty)
        #expect(output.results == ["42"])
        #expect(output.text == "41\n")
    }

    @Test("a sink without rich output prints a display's text as `say` does, with one line break")
    func plainSinkPrintsTheText() {
        let captured = CapturedOutput()
        captured.display(Display(text: "a  1\nb  2", html: "<table></table>"))
        captured.display(Display(text: "time: 1 s\n", kind: .volatile))
        #expect(captured.text == "a  1\nb  2\ntime: 1 s\n")
        #expect(captured.stableText == "a  1\nb  2\n")
    }

    @Test("HTML tables escape their cells, trim the text table's indentation and right-align numbers")
    func htmlTableEscapesAndAligns() {
        let html = HTML.table(header: ["name", "loss"], rows: [["  <base> & co", "0.25"]])
        #expect(html.contains(#"<td style="text-align:left">&lt;base&gt; &amp; co</td>"#))
        #expect(html.contains(#"<td style="text-align:right">0.25</td>"#))
        #expect(html.hasPrefix("<table><thead><tr><th"))
    }

    @Test("training on a live sink keeps one progress display and one loss plot, both volatile, updated in place")
    func trainingShowsLiveDisplays() throws {
        let (interpreter, output) = richSession()
        let outcome = run(interpreter, """
            load model hone-tiny
            world qa n=64 seed=1 as qa
            lora r=4 targets=q_proj,v_proj seed=1
            train qa steps=6 batch=4 eval_every=3 val=qa
            """)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let live = output.displays.filter { $0.id != nil }
        let ids = Set(live.compactMap(\.id))
        #expect(ids.count == 2 && live.allSatisfy { $0.kind == .volatile })
        let progress = live.filter { $0.html?.contains("<progress") == true }
        #expect(progress.first?.text.hasPrefix("step 1/6") == true && progress.last?.text.hasPrefix("step 6/6") == true)
        let plots = live.filter { $0.svg != nil }
        #expect(plots.count == 2, "one plot per evaluation (steps 3 and 6)")
        #expect(Set(plots.compactMap(\.id)).count == 1)
        // The stable step and eval lines still stream; the tokens/s lines live in the display.
        #expect(output.text.contains("step 6/6") && output.text.contains("eval at step 6"))
        #expect(!output.volatileText.contains("tok/s"))
    }

    @Test("a sink without live displays gets the tokens/s lines and no displays from training")
    func plainTrainingHasNoLiveDisplays() {
        let (interpreter, output) = richSession(live: false)
        let outcome = run(interpreter, "load model hone-tiny\nworld qa n=32 seed=1 as qa\nlora r=4 seed=1\ntrain qa steps=2 batch=4")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.displays.allSatisfy { $0.id == nil })
        #expect(output.volatileText.contains("tok/s"))
    }

    @Test("plot, runs, eval, show params, stats and show data each send their rich form with the same text")
    func commandsSendRichForms() throws {
        let (interpreter, output) = richSession()
        var outcome = run(interpreter, "load model hone-tiny\nworld qa n=32 seed=1 as qa\nlora r=4 seed=1\ntrain qa steps=2 batch=4")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let cells: [(String, (Display) -> Bool)] = [
            ("plot", { $0.svg?.contains("<svg ") == true && $0.text.contains("loss") }),
            ("runs", { $0.html?.contains("<td") == true && $0.text.contains("run-1") }),
            ("eval qa n=8", { $0.html?.contains("<table>") == true && $0.text.contains("loss") }),
            ("show params", { $0.html?.contains("<td") == true && $0.text.contains("trainable params") }),
            ("stats qa", { $0.html?.contains("<table>") == true && $0.text.contains("per field") }),
            ("show data qa n=1", { $0.html?.contains("<span style=\"background:") == true && $0.text.contains("⟦") }),
        ]
        for (cell, isRich) in cells {
            output.displays.removeAll()
            outcome = run(interpreter, cell)
            #expect(outcome.errors.isEmpty, "\(cell): \(outcome.errors)")
            #expect(output.displays.contains(where: isRich), "\(cell) sent \(output.displays.map(\.text))")
        }
    }

    @Test("the stats report's text is built from the same length table its HTML shows")
    func statsTextMatchesItsTable() {
        let (_, interpreter, captured) = session()
        let outcome = run(interpreter, "world qa n=16 seed=1 as qa\nstats qa")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let lines = captured.text.split(separator: "\n").map(String.init)
        let header = lines.first { $0.contains("per field") }
        #expect(header?.hasSuffix("min  median    mean     p95     max   empty  0…max") == true, "\(header ?? "none")")
        #expect(lines.contains { $0.hasPrefix("  instruction ") })
    }
}
