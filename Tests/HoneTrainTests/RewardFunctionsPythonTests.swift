import Foundation
import HoneTrain
import Testing

/// The Python reward functions `export` writes for GRPO score the same answers as hone's
/// `RewardRule`, run by the machine's python3 (they need nothing beyond the standard library).
enum SystemPython {
    static let path: String? = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { $0 + "/python3" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite("exported reward functions", .enabled(if: SystemPython.path != nil, "python3 is not installed"))
struct RewardFunctionsPythonTests {
    /// Runs `script` with python3 and returns its standard output.
    func runPython(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SystemPython.path!)
        process.arguments = ["-c", script]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(String(decoding: errors, as: UTF8.self))")
        return String(decoding: data, as: UTF8.self)
    }

    @Test("contains: and max_length: score every answer as hone's rules do, EOS left out of the length")
    func pythonRewardsMatchHone() throws {
        let rules: [RewardRule] = [.contains("happy"), .contains("Ünïcode Café"), .maxLength(4), .maxLength(10)]
        // Answers as token ids (EOS = 2 ends some, as TRL passes them) and their decoded text.
        let answers: [(text: String, ids: [Int])] = [
            ("She was happy.", [5, 6, 7, 2]), ("HAPPY days", [8, 9]), ("sad", [10]), ("", [2]),
            ("an ünïcode café story", Array(11...16) + [2]), ("a b c d e f", Array(20...26)),
            ("x", Array(30...36) + [2]), ("long", Array(40...60)),
        ]
        let eos = 2
        let script = RewardFunctionsPython.source(for: rules) + """

            class Tokenizer:
                eos_token_id = \(eos)
            texts = \(String(decoding: try JSONSerialization.data(withJSONObject: answers.map(\.text)), as: UTF8.self))
            ids = \(answers.map(\.ids).description)
            for function in hone_rewards(Tokenizer()):
                print(" ".join(repr(score) for score in function(completions=texts, completion_ids=ids, prompts=texts)))
            """
        let lines = try runPython(script).split(separator: "\n")
        #expect(lines.count == rules.count)
        for (rule, line) in zip(rules, lines) {
            let python = line.split(separator: " ").map { Double($0)! }
            let hone = answers.map { rule.reward(text: $0.text, tokens: $0.ids.last == eos ? $0.ids.count - 1 : $0.ids.count) }
            #expect(python == hone, "\(rule): python \(python), hone \(hone)")
        }
    }
}
