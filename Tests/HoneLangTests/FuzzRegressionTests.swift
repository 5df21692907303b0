import Foundation
import Testing
@testable import HoneLang

/// Every input `scripts/fuzz` found that crashed hone, replayed through the command a user would
/// run on it: each must now end in an error naming the problem, never a crash.
///
/// `Fixtures/fuzz/expected.json` lists each reproducer with the fuzz target that found it, what
/// it did before the fix, and a piece of the error it must give now. A new reproducer is one
/// line there and one file under `Fixtures/fuzz/TARGET/`.
@Suite("fuzz regressions")
struct FuzzRegressionTests: SessionTesting {
    struct Reproducer: Decodable, CustomTestStringConvertible {
        let target: String
        let file: String
        let found: String
        let error: String
        var testDescription: String { file }
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

    static let reproducers: [Reproducer] = {
        guard let data = try? Data(contentsOf: fixtures.appendingPathComponent("expected.json")),
              let list = try? JSONDecoder().decode([Reproducer].self, from: data) else { return [] }
        return list
    }()

    /// The command that hands a reproducer to the entry point its fuzz target drives.
    static func command(replaying reproducer: Reproducer, at path: String) -> String? {
        switch reproducer.target {
        case "safetensors", "gguf", "llama2c": return "load model \"\(path)\""
        case "data": return "load data \"\(path)\""
        case "script": return try? String(contentsOfFile: path, encoding: .utf8)
        default: return nil
        }
    }

    @Test("the reproducer list reads and names a file for each entry")
    func listReads() throws {
        #expect(!Self.reproducers.isEmpty, "Fixtures/fuzz/expected.json is missing or does not decode")
        for reproducer in Self.reproducers {
            #expect(FileManager.default.fileExists(atPath: Self.fixtures.appendingPathComponent(reproducer.file).path), "\(reproducer.file) is listed but absent")
        }
    }

    @Test("each crash the fuzzers found is now a clear error", arguments: reproducers)
    func reproducerIsRefused(_ reproducer: Reproducer) throws {
        let path = Self.fixtures.appendingPathComponent(reproducer.file).path
        let script = try #require(Self.command(replaying: reproducer, at: path), "no way to replay fuzz target `\(reproducer.target)`: add one to FuzzRegressionTests.command")
        let (_, interpreter, _) = session()
        let outcome = run(interpreter, script)
        let rendered = outcome.errors.map { DiagnosticRenderer().render($0) }.joined()
        #expect(!outcome.errors.isEmpty, "\(reproducer.file) loaded without an error")
        #expect(rendered.contains(reproducer.error), "\(reproducer.file): expected an error containing `\(reproducer.error)`, got:\n\(rendered)")
    }
}
