import Foundation
import HoneTensor
import Testing
@testable import HoneLang

@Suite("session commands")
struct SessionCommandTests: SessionTesting {
    func temporaryPath(_ name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hone-session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.appendingPathComponent(name).path
    }

    @Test("history save writes a script that rebuilds the session, without failed or look-only entries")
    func historySaveReruns() throws {
        let (session, interpreter, _) = session()
        for entry in ["let r = 8", "lett typo = 1", "help", "for x in [1, 2] {\n  let total = r * x\n}", "show vars", "set seed=3"] {
            _ = interpreter.runEntry(SourceFile(name: "<repl>", text: entry))
        }
        let path = try temporaryPath("lesson.hone")
        let saved = interpreter.runEntry(SourceFile(name: "<repl>", text: "history save \"\(path)\""))
        #expect(saved.errors.isEmpty)
        let script = try String(contentsOfFile: path, encoding: .utf8)
        #expect(script == "# hone session history\nlet r = 8\nfor x in [1, 2] {\n  let total = r * x\n}\nset seed=3\n")

        let (rerun, rerunInterpreter, _) = self.session()
        #expect(rerunInterpreter.runEntry(SourceFile(name: path, text: script)).errors.isEmpty)
        #expect(rerun.variable("total")?.repr == "16")
        #expect(rerun.option("seed").repr == "3")
    }

    @Test("history lists entries and marks the ones that failed")
    func historyLists() {
        let (_, interpreter, output) = session()
        _ = interpreter.runEntry(SourceFile(name: "<repl>", text: "let a = 1"))
        _ = interpreter.runEntry(SourceFile(name: "<repl>", text: "nope"))
        output.clear()
        let outcome = interpreter.runEntry(SourceFile(name: "<repl>", text: "history"))
        #expect(output.text == "   1   let a = 1\n   2 ✗ nope\n")
        #expect(outcome.value?.repr == #"["let a = 1", "nope"]"#)
    }

    @Test("reset clears variables and options but keeps the history")
    func reset() {
        let (session, interpreter, _) = session()
        _ = interpreter.runEntry(SourceFile(name: "<repl>", text: "let a = 1; set seed=9"))
        _ = interpreter.runEntry(SourceFile(name: "<repl>", text: "reset"))
        #expect(session.variable("a") == nil)
        #expect(session.option("seed").repr == "0")
        #expect(session.history.count == 2)
    }

    @Test("each session's commands run with its own threads option, whatever another session or a reset one set")
    func threadsFollowTheSession() {
        // The counts are process-wide: hold them so no other test changes them meanwhile.
        Parallel.settingsLock.lock()
        let saved = (blas: BLAS.threads, kernels: Parallel.threads)
        defer {
            BLAS.configure(threads: saved.blas)
            Parallel.threads = saved.kernels
            Parallel.settingsLock.unlock()
        }
        let (changer, changing, _) = session()
        let (plain, plainInterpreter, _) = session()
        guard case .int(let standard) = plain.option("threads") else { Issue.record("no threads option"); return }
        let other = standard == 1 ? 2 : 1
        #expect(run(changing, "set threads=\(other)").errors.isEmpty)
        #expect(BLAS.threads == other && Parallel.threads == other)

        // A session that never set threads computes with its own (default) count, not the other's.
        #expect(run(plainInterpreter, "show vars").errors.isEmpty)
        #expect(BLAS.threads == standard && Parallel.threads == standard, "BLAS \(BLAS.threads), kernels \(Parallel.threads)")

        // The first session gets its count back at its next command, and the default after reset.
        #expect(run(changing, "show vars").errors.isEmpty)
        #expect(BLAS.threads == other && Parallel.threads == other)
        #expect(run(changing, "reset").errors.isEmpty)
        #expect(run(changing, "show vars").errors.isEmpty)
        #expect(changer.option("threads").repr == "\(standard)")
        #expect(BLAS.threads == standard && Parallel.threads == standard, "BLAS \(BLAS.threads), kernels \(Parallel.threads)")
    }

    @Test("show vars lists names, types and values")
    func showVars() {
        let (_, interpreter, output) = session()
        _ = interpreter.runEntry(SourceFile(name: "<repl>", text: "let lr = 2e-4; let name = \"run\"; show vars"))
        #expect(output.text == "lr    float   0.0002\nname  string  \"run\"\n")
    }

    @Test("a script cannot run itself")
    func runRecursion() throws {
        let path = try temporaryPath("loop.hone")
        try "run loop.hone\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (_, interpreter, _) = session()
        let outcome = interpreter.runEntry(SourceFile(name: "<repl>", text: "run \"\(path)\""))
        #expect(outcome.firstMessage?.contains("is already being run") == true)
    }

    @Test("a runaway script stops at the statement limit")
    func statementLimit() {
        let (session, interpreter, _) = session()
        session.limits.maxStatements = 100
        let outcome = interpreter.runEntry(SourceFile(name: "<t>", text: "for a in [1,2,3,4,5,6,7,8,9,10] { for b in [1,2,3,4,5,6,7,8,9,10] { let c = a * b } }"))
        #expect(outcome.firstMessage == "stopped after 100 statements")
    }

    @Test("an interrupt stops a running loop at the next statement and keeps the session")
    func interrupt() {
        let flag = InterruptFlag()
        let session = Session(output: CapturedOutput(), interrupt: flag)
        let interpreter = Interpreter(session: session)
        _ = interpreter.runEntry(SourceFile(name: "<t>", text: "let kept = 1"))
        flag.raise()
        let outcome = interpreter.runEntry(SourceFile(name: "<t>", text: "for a in [1, 2, 3] { let last = a }"))
        #expect(outcome.errors.first?.code == .interrupted)
        #expect(outcome.exitStatus == 130)
        #expect(session.variable("kept")?.repr == "1")
        #expect(session.variable("last") == nil)
    }

    @Test("quiet verbosity silences explanations but not requested output")
    func verbosity() {
        let (_, interpreter, output) = session()
        _ = interpreter.runEntry(SourceFile(name: "<t>", text: "set verbose=quiet; set seed=4; print \"shown\""))
        #expect(output.text == "shown\n")
    }
}
