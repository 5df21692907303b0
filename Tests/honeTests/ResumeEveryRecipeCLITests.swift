import Foundation
import Testing

/// Every recipe's `resume` in a fresh process (issue 17): for each way of training, one hone
/// process runs the whole run, a second the same run until SIGKILL after its step-2
/// checkpoint, and a third, fresh process `resume`s it. The resumed run says it continued
/// from the checkpoint, logs every step, and gives the uninterrupted run's losses (and
/// evaluations) exactly. PPO is exact when the checkpoint falls between rollouts; inside a
/// rollout's `ppo_epochs` the rollout is sampled again from the resumed weights (as
/// docs/ARCHITECTURE.md says), so that case asserts what holds instead.
@Suite("every recipe resumes in a fresh process", .serialized, .timeLimit(.minutes(5)))
struct ResumeEveryRecipeCLITests {
    static let model = ModelCLITests.package + "/../shared/models/stories260K-hf"
    static var ready: Bool {
        let found = CLITests.binary != nil && FileManager.default.fileExists(atPath: model + "/config.json")
        if !found { print("skipping: needs the hone binary and ../shared/models/stories260K-hf") }
        return found
    }

    /// One way of training: what is added to the model, the story-world data, and the command
    /// (without `as NAME`). Steps are cheap on stories260K, so the runs are long enough that
    /// the kill lands well before the end.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var adapter: String
        var data: String
        var command: String
        var steps: Int
        /// Lines the resuming process prints as it rebuilds the run, beside loading the model
        /// and, with an adapter, making it again.
        var rebuilt: [String] = []
        /// False where resume is not bit for bit the uninterrupted run.
        var exact = true
        var testDescription: String { name }
    }

    static let lora = "lora r=4 alpha=8 targets=q_proj,v_proj"
    static let stories = "world stories n=30 seed=1 as s\nsplit s val=0.2 seed=3"
    static let pairs = "world preferences n=20 seed=1 as p\nsplit p val=0.2 seed=3"
    static let questions = "world qa n=10 seed=1 as q\nsplit q val=0.2 seed=3"

    static let cases: [Case] = [
        Case(name: "sft lora", adapter: lora + " dropout=0.1", data: stories,
             command: "train s.train steps=40 batch=2 seq=64 lr=1e-2 save_every=2 eval_every=10 method=lora", steps: 40),
        Case(name: "sft dora", adapter: "dora r=4 alpha=8 targets=q_proj,v_proj", data: stories,
             command: "train s.train steps=40 batch=2 seq=64 lr=1e-2 save_every=2 method=dora", steps: 40),
        Case(name: "sft qlora", adapter: "qlora r=4 alpha=8 targets=q_proj,v_proj", data: stories,
             command: "train s.train steps=40 batch=2 seq=64 lr=1e-2 save_every=2 method=qlora", steps: 40,
             rebuilt: ["quantised tiny's linear weights to nf4 again"]),
        Case(name: "sft full", adapter: "", data: stories,
             command: "train s.train steps=40 batch=2 seq=64 lr=1e-3 save_every=2 method=full", steps: 40),
        Case(name: "dpo", adapter: lora, data: pairs,
             command: "dpo p.train steps=40 batch=2 seq=64 lr=1e-3 save_every=2 eval_every=10", steps: 40),
        Case(name: "orpo", adapter: lora, data: pairs, command: "orpo p.train steps=40 batch=2 seq=64 lr=1e-3 save_every=2", steps: 40),
        Case(name: "simpo", adapter: lora, data: pairs, command: "simpo p.train steps=40 batch=2 seq=64 lr=1e-3 save_every=2", steps: 40),
        Case(name: "reward train", adapter: lora, data: pairs,
             command: "reward train p.train steps=40 batch=2 seq=64 save_every=2 eval_every=10", steps: 40),
        Case(name: "grpo", adapter: lora, data: questions,
             command: "grpo q.train reward=contains:the group=4 max_tokens=12 steps=12 batch=2 lr=1e-3 save_every=2 eval_every=6", steps: 12),
        Case(name: "ppo, checkpoints between rollouts", adapter: lora, data: questions,
             command: "ppo q.train reward=max_length:6 answers=2 max_tokens=8 ppo_epochs=2 steps=24 batch=2 lr=1e-3 save_every=2 eval_every=6",
             steps: 24),
        Case(name: "ppo, checkpoints inside a rollout's epochs", adapter: lora, data: questions,
             command: "ppo q.train reward=max_length:6 answers=2 max_tokens=8 ppo_epochs=3 steps=24 batch=2 lr=1e-3 save_every=2 eval_every=6",
             steps: 24, exact: false),
    ]

    static func script(_ c: Case, runs: String, as name: String) -> String {
        """
        set runs_dir="\(runs)"
        load model "\(model)" as tiny
        template plain
        \(c.adapter)
        \(c.data)
        \(c.command) as \(name)
        """
    }

    /// The run's train and eval events, in order: (kind, step, loss or val_loss).
    static func events(_ run: String) throws -> [(kind: String, step: Int, value: Double)] {
        try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").compactMap { line in
            guard let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let kind = json["kind"] as? String, let step = json["step"] as? Int,
                  let value = (kind == "train" ? json["loss"] : kind == "eval" ? json["val_loss"] : nil) as? Double else { return nil }
            return (kind, step, value)
        }
    }

    /// Starts the run and SIGKILLs it once its step-2 checkpoint is whole. Should the run end
    /// first (a busy machine), the checkpoints after step 2 are removed, which is what a kill
    /// just after step 2 leaves (resume cuts metrics.jsonl back to the checkpoint's step).
    /// Returns whether the kill landed.
    static func killAfterFirstCheckpoint(_ c: Case, runs: String, in directory: String) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(CLITests.binary))
        process.arguments = ["-c", script(c, runs: runs, as: "killed")]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let checkpoint = runs + "/killed/checkpoints/step-2/state.json"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint) && process.isRunning && Date() < deadline { usleep(1000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        guard process.terminationReason == .exit else { return true }
        #expect(process.terminationStatus == 0, "\(c.name): the run to kill failed")
        print("\(c.name): the run finished before the kill; keeping its step-2 checkpoint only")
        let folder = runs + "/killed/checkpoints"
        for entry in try FileManager.default.contentsOfDirectory(atPath: folder) where entry != "step-2" {
            try FileManager.default.removeItem(atPath: folder + "/" + entry)
        }
        return false
    }

    @Test("a run killed after a checkpoint resumes in a fresh process from it, finishes every step, and matches the uninterrupted run",
          .enabled(if: ready, "needs the binary and ../shared/models/stories260K-hf"), arguments: cases)
    func resumesInFreshProcess(_ c: Case) throws {
        let started = Date()
        let directory = try CLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runs = directory + "/runs"
        let whole = try CLITests.hone(["-c", Self.script(c, runs: runs, as: "whole")], directory: directory)
        try #require(whole.status == 0, "\(c.name): \(whole.stdout)\n\(whole.stderr)")

        if try Self.killAfterFirstCheckpoint(c, runs: runs, in: directory) {
            let before = try Self.events(runs + "/killed").filter { $0.kind == "train" }
            #expect(before.count >= 2 && before.count < c.steps, "\(c.name): killed after \(before.count) steps")
        }

        let resumed = try CLITests.hone(["-c", "set runs_dir=\"\(runs)\"\nresume killed"], directory: directory)
        #expect(resumed.status == 0, "\(c.name): \(resumed.stdout)\n\(resumed.stderr)")
        let from = try #require(resumed.stdout.firstMatch(of: #/resuming killed from its checkpoint at step (\d+) of (\d+)/#),
                                "\(c.name): \(resumed.stdout)")
        let checkpoint = try #require(Int(from.1))
        #expect(checkpoint >= 2 && checkpoint < c.steps && Int(from.2) == c.steps, "\(c.name): \(from.0)")
        let rebuilt = ["loaded tiny from "] + c.rebuilt
            + (c.adapter.isEmpty ? [] : ["made adapter default again with the run's settings"])
        for line in rebuilt { #expect(resumed.stdout.contains(line), "\(c.name): \(resumed.stdout)") }
        #expect(resumed.stdout.contains("trained killed: \(c.steps) steps"), "\(c.name): \(resumed.stdout)")

        let expected = try Self.events(runs + "/whole"), got = try Self.events(runs + "/killed")
        let trained = got.filter { $0.kind == "train" }
        #expect(trained.map(\.step) == Array(1...c.steps), "\(c.name): every step is logged once")
        let last = try #require(trained.last, "\(c.name): no train events")
        #expect(last.step == c.steps && last.value.isFinite, "\(c.name): the last step's loss \(last.value)")
        #expect(FileManager.default.fileExists(atPath: runs + "/killed/checkpoints/step-\(c.steps)/state.json"), "\(c.name): the final checkpoint")
        let differing = zip(expected, got).filter { $0.kind != $1.kind || $0.step != $1.step || $0.value != $1.value }.map(\.0.step)
        if c.exact {
            #expect(got.map(\.kind) == expected.map(\.kind) && differing.isEmpty,
                    "\(c.name): resumed from \(checkpoint), differs at steps \(differing): \(got.map(\.value)) vs \(expected.map(\.value))")
        } else {
            // The steps before the checkpoint are the first process's; after it, the rollout in
            // progress was sampled again, so the losses are another (valid) run's.
            #expect(got.map(\.kind) == expected.map(\.kind))
            #expect(differing.allSatisfy { $0 > checkpoint }, "\(c.name): resumed from \(checkpoint), differs at \(differing)")
            print("\(c.name): resumed from step \(checkpoint); losses differ from the uninterrupted run's at steps \(differing)")
        }
        print(String(format: "%@: resumed from step %d of %d, final loss %.6f (uninterrupted %.6f), %.2f s", c.name, checkpoint, c.steps,
                     last.value, expected.last { $0.kind == "train" }?.value ?? .nan, Date().timeIntervalSince(started)))
    }
}
