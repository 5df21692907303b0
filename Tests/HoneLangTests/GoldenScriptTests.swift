import Foundation
import Testing
@testable import HoneLang

/// Runs every script under `Scripts/`, whose comments hold the expectations, as in Crafting
/// Interpreters' test suite: `# expect: TEXT` is the next line of output, `# error: TEXT` says the
/// first error is on that line and its message starts with TEXT, `# exit: N` expects `exit N`.
@Suite("golden scripts")
struct GoldenScriptTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")

    static var scripts: [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".hone") && !path.contains("/lib/") { paths.append(path) }
        }
        return paths.sorted()
    }

    struct Expectations {
        var output: [String] = []
        var error: (line: Int, message: String)?
        var exit: Int32?
    }

    static func expectations(in text: String) -> Expectations {
        var e = Expectations()
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if let r = line.range(of: "# expect: ") { e.output.append(String(line[r.upperBound...])) }
            if let r = line.range(of: "# error: ") { e.error = (index + 1, String(line[r.upperBound...])) }
            if let r = line.range(of: "# exit: ") { e.exit = Int32(line[r.upperBound...]) }
        }
        return e
    }

    @Test("a golden script prints what its comments expect", arguments: scripts)
    func goldenScript(_ name: String) throws {
        let path = Self.directory.appendingPathComponent(name).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = Self.expectations(in: text)
        let output = CapturedOutput()
        let session = Session(output: output, interrupt: InterruptFlag())
        let outcome = Interpreter(session: session).runEntry(SourceFile(name: path, text: text))

        let lines = output.stableText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines == expected.output, "output of \(name)")
        switch outcome {
        case .failed(let errors):
            let first = errors[0]
            let rendered = DiagnosticRenderer().render(first)
            guard let (line, message) = expected.error else {
                Issue.record("\(name) failed unexpectedly:\n\(rendered)")
                return
            }
            let position = first.range.map { $0.file.lineAndColumn(of: $0.start).line }
            #expect(position == line, "error line in \(name):\n\(rendered)")
            #expect(first.message.hasPrefix(message), "error message in \(name):\n\(rendered)")
        case .exit(let status):
            #expect(status == expected.exit, "exit status of \(name)")
        case .completed:
            #expect(expected.error == nil, "\(name) should have failed with: \(expected.error?.message ?? "")")
            #expect(expected.exit == nil, "\(name) should have exited")
        case .needsMoreInput:
            Issue.record("\(name) needs more input")
        }
    }
}
