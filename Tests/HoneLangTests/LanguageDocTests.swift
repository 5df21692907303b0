import Foundation
import Testing
@testable import HoneLang

/// docs/LANGUAGE.md is a notebook whose outputs and command reference must match what hone does.
@Suite("docs/LANGUAGE.md")
struct LanguageDocTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/LANGUAGE.md").standardized.path
    static let begin = "<!-- reference:begin -->\n"
    static let end = "<!-- reference:end -->"

    @Test("the command reference matches the registry (HONE_UPDATE_DOCS=1 rewrites it)")
    func reference() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin))
        let stop = try #require(text.range(of: Self.end))
        let current = String(text[start.upperBound..<stop.lowerBound])
        let generated = Help.markdownReference(.standard)
        if current != generated, ProcessInfo.processInfo.environment["HONE_UPDATE_DOCS"] == "1" {
            let updated = String(text[..<start.upperBound]) + generated + String(text[stop.lowerBound...])
            try updated.write(toFile: Self.path, atomically: true, encoding: .utf8)
            return
        }
        #expect(current == generated, "docs/LANGUAGE.md's command reference is stale: run `HONE_UPDATE_DOCS=1 swift test --filter LanguageDocTests`")
    }

    @Test("every cell runs, and each written output is what the cell prints now")
    func cellsRun() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let notebook = Notebook(path: Self.path, text: text)
        #expect(notebook.cells.count >= 5)
        let session = Session(output: CapturedOutput(), interrupt: InterruptFlag())
        let result = notebook.run(in: Interpreter(session: session), echo: false)
        #expect(result.errors.isEmpty, "\(result.errors.map { DiagnosticRenderer().render($0) })")
        #expect(notebook.updatedText(with: result) == text, "outputs are stale: run `scripts/hone --update docs/LANGUAGE.md`")
    }
}
