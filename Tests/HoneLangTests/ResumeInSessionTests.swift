import Foundation
import HoneTensor
import HoneTrain
import Testing
@testable import HoneLang

/// `resume` in the session that trained the run: after Ctrl-C the live loop continues, for the
/// recipes whose trainer holds a head beside the model's parameters too (the reward model's
/// `score.weight`, PPO's `v_head.weight`). Rebuilding such a run from its folder instead would
/// sample a PPO rollout again from the resumed weights and lose the uninterrupted losses.
@Suite("resume in the same session", .serialized,
       .enabled(if: SharedModelFiles.has("stories260K-hf/config.json"), "the shared models are absent"))
struct ResumeInSessionTests: SessionTesting {
    static let model = SharedModelFiles.directory + "/stories260K-hf"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var adapter: String
        var data: String
        var command: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "ppo inside a rollout's epochs", adapter: "lora r=4 alpha=8 targets=q_proj,v_proj", data: "world prompts n=8 seed=1 as q",
             command: "ppo q reward=max_length:6 answers=2 max_tokens=8 ppo_epochs=2 steps=6 batch=2 lr=1e-3 save_every=2"),
        Case(name: "reward train with an adapter", adapter: "lora r=4 alpha=8 targets=q_proj,v_proj", data: "world preferences n=16 seed=1 as p",
             command: "reward train p steps=6 batch=2 seq=64 save_every=2"),
        Case(name: "reward train, the head alone", adapter: "", data: "world preferences n=16 seed=1 as p",
             command: "reward train p steps=6 batch=2 seq=64 save_every=2"),
    ]

    static func script(_ c: Case, runs: String) -> String {
        """
        set runs_dir="\(runs)"
        load model "\(model)" as tiny
        template plain
        \(c.adapter)
        \(c.data)
        \(c.command) as r
        """
    }

    static func losses(_ runs: String) -> [Double] {
        RunLog.events(at: runs + "/r/metrics.jsonl").filter { $0.kind == .train }.compactMap(\.loss)
    }

    @Test("a run stopped by Ctrl-C continues its live loop and gives the uninterrupted losses", arguments: cases)
    func continuesLive(_ c: Case) throws {
        // Products split work by the thread count, and other tests change it; hold it steady.
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-resume-live-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, whole, wholeOutput) = session()
        let uninterrupted = run(whole, Self.script(c, runs: dir + "/whole"))
        #expect(uninterrupted.errors.isEmpty, "\(uninterrupted.errors)\n\(wholeOutput.text)")

        let flag = InterruptFlag()
        let output = InterruptingOutput(flag: flag, after: "step 3/6")
        let interpreter = Interpreter(session: Session(output: output, interrupt: flag))
        _ = run(interpreter, Self.script(c, runs: dir + "/split"))
        #expect(output.captured.text.contains("stopped at step 3 of 6"), "\(output.captured.text)")
        let resumed = run(interpreter, "resume r")
        #expect(resumed.errors.isEmpty, "\(resumed.errors)\n\(output.captured.text)")
        #expect(output.captured.text.contains("resuming r at step 3 of 6"), "the live loop continues: \(output.captured.text)")
        #expect(Self.losses(dir + "/split") == Self.losses(dir + "/whole"))
        #expect(Self.losses(dir + "/whole").count == 6)
    }
}
