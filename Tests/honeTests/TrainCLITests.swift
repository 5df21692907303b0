import Foundation
import Testing

/// Training through the real binary: a run killed with SIGKILL and resumed in a new process
/// reproduces the uninterrupted run's losses exactly, and Ctrl-C on a terminal stops a run,
/// keeps the session, and `resume` finishes it.
@Suite("training from the command line", .serialized, .timeLimit(.minutes(10)))
struct TrainCLITests {
    static let shared = ModelCLITests.package + "/../shared"
    static var ready: Bool {
        let found = CLITests.binary != nil && FileManager.default.fileExists(atPath: shared + "/models/stories260K-hf/config.json")
            && FileManager.default.fileExists(atPath: shared + "/data/mlx-lora-wikisql/train.jsonl")
        if !found { print("skipping: needs the hone binary, ../shared/models/stories260K-hf and ../shared/data/mlx-lora-wikisql") }
        return found
    }

    /// Loads stories260K, adds a LoRA adapter with dropout, loads WikiSQL text and splits it.
    static func setup(runs: String) -> String {
        """
        set runs_dir="\(runs)"
        load model "\(shared)/models/stories260K-hf" as tiny
        lora r=4 alpha=8 targets=q_proj,v_proj dropout=0.1
        load data "\(shared)/data/mlx-lora-wikisql/train.jsonl" as sql
        split sql val=0.05 seed=3
        template plain
        """
    }

    static let trainArguments = "sql.train steps=8 batch=4 seq=128 lr=1e-2 save_every=2 eval_every=4"

    static func losses(_ runDirectory: String) throws -> [(step: Int, loss: Double)] {
        let text = try String(contentsOfFile: runDirectory + "/metrics.jsonl", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  json["kind"] as? String == "train", let step = json["step"] as? Int, let loss = json["loss"] as? Double else { return nil }
            return (step, loss)
        }
    }

    @Test("a run killed with SIGKILL after a checkpoint and resumed in a new process gives the uninterrupted losses exactly",
          .enabled(if: ready, "needs the binary and ../shared"))
    func killedRunResumes() throws {
        let directory = try CLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runs = directory + "/runs"
        let whole = try CLITests.hone(["-c", Self.setup(runs: runs) + "\ntrain \(Self.trainArguments) as whole"], directory: directory)
        #expect(whole.status == 0, "\(whole.stderr)")

        // The same run, killed once its step-4 checkpoint exists.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(CLITests.binary))
        process.arguments = ["-c", Self.setup(runs: runs) + "\ntrain \(Self.trainArguments) as killed"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let checkpoint = runs + "/killed/checkpoints/step-4/state.json"
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: checkpoint) && process.isRunning && Date() < deadline { usleep(20_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run ended before it could be killed")
        let before = try Self.losses(runs + "/killed")
        #expect(before.count >= 4 && before.count < 8, "killed after \(before.count) steps")

        let resumed = try CLITests.hone(["-c", "set runs_dir=\"\(runs)\"\nresume killed"], directory: directory)
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming killed from its checkpoint at step"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("made adapter default again"), "the adapter is rebuilt with the run's settings")
        let a = try Self.losses(runs + "/whole").map(\.loss), b = try Self.losses(runs + "/killed")
        #expect(b.map(\.step) == Array(1...8))
        #expect(b.map(\.loss) == a, "resumed \(b.map(\.loss)) vs uninterrupted \(a)")
    }

    @Test("Ctrl-C during train stops after the step, keeps the session, and `resume` finishes the run",
          .enabled(if: ready, "needs the binary and ../shared"))
    func interruptAndResume() throws {
        let home = try REPLTests.makeHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let runs = home + "/runs"
        let terminal = try REPLTests.start(home: home)
        // One short line to type: long typed lines race the line editor's redraws.
        try Self.setup(runs: runs).write(toFile: home + "/setup.hone", atomically: true, encoding: .utf8)
        let setup = try REPLTests.enter("run \"\(home)/setup.hone\"", on: terminal)
        #expect(setup.contains("split sql (1000)"), "\(setup)")
        terminal.type("train sql.train steps=150 batch=2 seq=96 lr=1e-3 as long" + REPLTests.enter)
        _ = try terminal.expect("step 2/150", timeout: 120)
        terminal.type(REPLTests.ctrlC)
        let stopped = try terminal.expect(REPLTests.prompt, timeout: 120)
        #expect(stopped.contains("(Ctrl-C); the weights and the run are kept"), "\(stopped)")
        #expect(stopped.contains("`resume long` continues"))
        try terminal.waitUntilEditing()
        let alive = try REPLTests.enter("print 6 * 7", on: terminal)
        #expect(alive.contains("42"))
        let runsTable = try REPLTests.enter("runs", on: terminal)
        #expect(runsTable.contains("long") && runsTable.contains("interrupted"), "\(runsTable)")
        let step = try #require(Self.losses(runs + "/long").last?.step)
        #expect(step < 150)
        terminal.type("resume long" + REPLTests.enter)
        let resumed = try terminal.expect(REPLTests.prompt, timeout: 400)
        try terminal.waitUntilEditing()
        #expect(resumed.contains("resuming long at step \(step) of 150"), "\(resumed)")
        #expect(resumed.contains("trained long: 150 steps"), "\(resumed)")
        #expect(try Self.losses(runs + "/long").map(\.step) == Array(1...150))
        terminal.type("exit" + REPLTests.enter)
        _ = try terminal.waitForExit()
    }
}
