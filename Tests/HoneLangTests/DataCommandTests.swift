import Foundation
import Testing
@testable import HoneLang

/// `../shared/data` beside the package checkout.
private enum SharedDataFiles {
    static let directory = SharedModelFiles.directory + "/../data"

    static func has(_ relative: String) -> Bool { SharedModelFiles.has("../data/" + relative) }
}

@Suite("data commands")
struct DataCommandTests: SessionTesting {
    func temporaryFile(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a broken file gives line-numbered errors naming the field, and loads nothing")
    func brokenFile() throws {
        let path = try temporaryFile("broken.jsonl", """
            {"instruction": "a", "output": "b"}
            {"instruction": "c"}
            {"instruction": "d", "output": 
            {"instruction": "e", "output": 5}
            """)
        let (session, interpreter, _) = session()
        let outcome = run(interpreter, "load data \"\(path)\"")
        let text = outcome.errors.map { DiagnosticRenderer().render($0) }.joined()
        #expect(outcome.errors.count == 1)
        #expect(text.contains("not loaded: 3 problems"))
        #expect(text.contains("broken.jsonl:2: field 'output': missing"))
        #expect(text.contains("broken.jsonl:3: JSON syntax error"))
        #expect(text.contains("broken.jsonl:4: field 'output': expected a string"))
        #expect(text.contains("on_error=skip"))
        #expect(session.workspace.dataSets.isEmpty)

        let (skipSession, skipInterpreter, output) = self.session()
        let skipped = run(skipInterpreter, "load data \"\(path)\" on_error=skip as good")
        #expect(skipped.errors.isEmpty, "\(skipped.errors)")
        #expect(output.text.contains("loaded good: 1 record, format alpaca (detected), skipped 3"))
        #expect(output.text.contains("skipped \(path):2: field 'output'"))
        #expect(skipSession.workspace.dataSet(named: "good")?.data.lines == [1])
    }

    @Test("a near-miss data set name gets a suggestion; template names are checked")
    func suggestionsAndTemplates() throws {
        let path = try temporaryFile("tiny.jsonl", (1...6).map { #"{"prompt": "p\#($0)", "completion": "c\#($0)"}"# }.joined(separator: "\n"))
        let (session, interpreter, output) = session()
        #expect(run(interpreter, "load data \"\(path)\"").errors.isEmpty)
        let miss = run(interpreter, "split tiyn val=0.2")
        #expect(miss.firstMessage == "no data set named `tiyn`")
        #expect(miss.errors.first?.hints.first == "did you mean `tiny`?")

        #expect(run(interpreter, "template").errors.isEmpty)
        #expect(output.text.contains("template: alpaca (the default"))
        #expect(run(interpreter, "template chatml").errors.isEmpty)
        #expect(session.workspace.template == .chatml)
        #expect(TemplateChoice.current(in: session.workspace).source == .session)
        let custom = run(interpreter, #"template "Q: {instruction}\nA: {output}""#)
        #expect(custom.errors.isEmpty)
        #expect(session.workspace.template == .custom("Q: {instruction}\nA: {output}"))
        let bad = run(interpreter, "template chatm")
        #expect(bad.errors.first?.hints.first == "did you mean `chatml`?")

        // split names its parts NAME.train/NAME.val and the dotted names work as arguments.
        #expect(run(interpreter, "split tiny val=0.2 test=0.2 seed=1\nclean tiny.train").errors.isEmpty)
        #expect(session.workspace.dataSets.map(\.name) == ["tiny", "tiny.train", "tiny.val", "tiny.test", "tiny.train.clean"])
        output.clear()
        #expect(run(interpreter, "datasets").errors.isEmpty)
        let rows = output.text.split(separator: "\n")
        #expect(rows.count == 6 && rows[0].hasPrefix("name") && rows[2].hasPrefix("tiny.train ") && rows[2].contains("prompt_completion"))
    }

    @Test("load data → split → stats → show data → clean on alpaca_en_demo", .enabled(if: SharedDataFiles.has("instruct/alpaca_en_demo.json") && SharedModelFiles.has("stories260K-hf/tokenizer.json")))
    func pipeline() throws {
        let (session, interpreter, output) = session()
        let data = SharedDataFiles.directory + "/instruct/alpaca_en_demo.json"
        var outcome = run(interpreter, "let d = load data \"\(data)\"\nprint d.count")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.text.contains("loaded alpaca_en_demo: 999 records, format alpaca (detected)"))
        #expect(output.text.hasSuffix("999\n"))

        outcome = run(interpreter, "set seed=3\nsplit alpaca_en_demo val=0.1")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.text.contains("split alpaca_en_demo (999): alpaca_en_demo.train 899, alpaca_en_demo.val 100"))
        let val = session.workspace.dataSet(named: "alpaca_en_demo.val")!.data
        let again = try session.workspace.dataSet(named: "alpaca_en_demo")!.data.split(validation: 0.1, seed: 3)
        #expect(val.lines == again.validation.lines)

        // Without a model, stats count characters.
        output.clear()
        outcome = run(interpreter, "let s = stats alpaca_en_demo\nprint s.exact_duplicates")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.text.contains("characters per field"))
        #expect(output.text.contains("template: alpaca (the default"))
        #expect(output.text.hasSuffix("14\n"))

        // show data needs a model for its tokenizer.
        #expect(run(interpreter, "show data alpaca_en_demo.val").firstMessage == "no model is loaded")
        outcome = run(interpreter, "load model \"\(SharedModelFiles.directory)/stories260K-hf\" as tiny")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")

        output.clear()
        outcome = run(interpreter, "stats alpaca_en_demo.val seq=256")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.text.contains("100 alpaca records"))
        #expect(output.text.contains("tokens per field"))
        #expect(output.text.contains("truncated at seq=256:"))

        output.clear()
        outcome = run(interpreter, "let v = show data alpaca_en_demo.val n=2 seq=128\nprint v.count")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let shown = output.text
        #expect(shown.contains("── alpaca_en_demo.val #1 (line \(val.lines[0])):"))
        #expect(shown.contains("── alpaca_en_demo.val #2 (line \(val.lines[1])):"))
        #expect(shown.contains("<s>Below is an instruction"))
        #expect(shown.contains("⟦") && !shown.contains("\u{1B}["))
        #expect(shown.contains("trained tokens inside ⟦ ⟧"))
        #expect(shown.hasSuffix("2\n"))

        output.clear()
        outcome = run(interpreter, "let c = clean alpaca_en_demo near=0.9\nprint c.exact_duplicate")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.text.contains("cleaned alpaca_en_demo → alpaca_en_demo.clean: kept 985 of 999 records, removed 14"))
        #expect(output.text.contains("exact duplicate"))
        #expect(output.text.hasSuffix("14\n"))
        #expect(session.workspace.dataSet(named: "alpaca_en_demo.clean")?.data.count == 985)
        #expect(session.workspace.dataSet(named: "alpaca_en_demo")?.data.count == 999)

        // A model's own template wins over the session's; on a terminal the marks are colours.
        #expect(run(interpreter, "template plain").errors.isEmpty)
        session.workspace.currentModel?.template = .chatml
        #expect(TemplateChoice.current(in: session.workspace).source == .model("tiny"))
        let terminal = TerminalCapture()
        session.output = terminal
        outcome = run(interpreter, "show data alpaca_en_demo.val n=1 seq=128")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(terminal.text.contains("\u{1B}[2m<s>\u{1B}[0m<|im_start|>user"))
        #expect(terminal.text.contains("\u{1B}[32m") && !terminal.text.contains("⟦"))
        #expect(terminal.text.contains("chatml (model `tiny`'s own)"))
    }
}

/// A sink that says it is a terminal, to see what `show data` paints.
private final class TerminalCapture: OutputSink {
    var text = ""
    var isTerminal: Bool { true }
    var usesColor: Bool { true }
    func emit(_ text: String, _ kind: OutputKind) { self.text += text }
}
