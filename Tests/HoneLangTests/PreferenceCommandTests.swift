import Foundation
import HoneTensor
import HoneTrain
import Testing
@testable import HoneLang

/// Output that presses Ctrl-C (raises the session's flag) once a given line has been printed.
final class InterruptingOutput: OutputSink {
    let captured = CapturedOutput()
    let flag: InterruptFlag
    let trigger: String
    private var fired = false
    init(flag: InterruptFlag, after trigger: String) {
        self.flag = flag
        self.trigger = trigger
    }
    func emit(_ text: String, _ kind: OutputKind) {
        captured.emit(text, kind)
        if !fired && text.contains(trigger) {
            fired = true
            flag.raise()
        }
    }
}

/// `dpo` through sessions on stories260K, with happy/sad pairs the test writes: it raises the
/// held-out preference accuracy, and a run stopped by Ctrl-C resumes in a new session with the
/// uninterrupted run's losses.
@Suite("preference commands", .enabled(if: SharedModelFiles.has("stories260K-hf/config.json"), "the shared models are absent"))
struct PreferenceCommandTests: SessionTesting {
    static let model = SharedModelFiles.directory + "/stories260K-hf"

    /// A folder with prefs.jsonl: "NAME went to the PLACE. NAME felt" → happy (chosen) / sad.
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-dpo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var lines: [String] = []
        for name in ["Tom", "Lily", "Ben", "Sue", "Max", "Anna", "Tim", "Lucy"] {
            for place in ["park", "school", "shop"] {
                lines.append(#"{"prompt": "\#(name) went to the \#(place). \#(name) felt", "chosen": "happy and smiled.", "rejected": "sad and cried."}"#)
            }
        }
        try lines.joined(separator: "\n").write(toFile: dir + "/prefs.jsonl", atomically: true, encoding: .utf8)
        return dir
    }

    static func setup(_ dir: String) -> String {
        """
        set runs_dir="\(dir)/runs"
        load model "\(model)" as tiny
        lora r=8 alpha=16 targets=all-linear seed=2
        load data "\(dir)/prefs.jsonl" as prefs
        split prefs val=0.25 seed=1
        template plain
        """
    }

    static let dpo = "dpo prefs.train steps=8 batch=6 lr=2e-2 schedule=constant eval_every=4 save_every=2 seed=3 as d"

    static func losses(_ dir: String) -> [Double] {
        RunLog.events(at: dir + "/runs/d/metrics.jsonl").filter { $0.kind == .train }.compactMap(\.loss)
    }

    @Test("dpo raises the held-out preference accuracy and margin, and reports them")
    func dpoRaisesAccuracy() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (session, interpreter, output) = session()
        let outcome = run(interpreter, Self.setup(dir) + "\n" + Self.dpo)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)\n\(output.text)")
        #expect(output.stableText.contains("DPO (sigmoid, β 0.1)"))
        #expect(output.stableText.contains("the reference is tiny with the adapter disabled"))
        let evals = RunLog.events(at: dir + "/runs/d/metrics.jsonl").filter { $0.kind == .eval }
        let first = try #require(evals.first?.figures), last = try #require(evals.last?.figures)
        print("dpo: held-out accuracy \(first["rewards/accuracies"]!) → \(last["rewards/accuracies"]!), margin \(first["rewards/margins"]!) → \(last["rewards/margins"]!)")
        #expect(last["rewards/accuracies"]! >= 0.99)
        #expect(last["rewards/margins"]! > 0.5)
        #expect(session.workspace.run(named: "d")?.status == .finished)
    }

    @Test("a dpo run stopped by Ctrl-C resumes in a new session with the uninterrupted losses")
    func dpoResumesInNewSession() throws {
        // Products split work by the thread count, and other tests change it; hold it steady.
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let whole = try Self.folder(), split = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: whole); try? FileManager.default.removeItem(atPath: split) }
        let (_, a, aOutput) = session()
        #expect(run(a, Self.setup(whole) + "\n" + Self.dpo).errors.isEmpty, "\(aOutput.text)")

        let flag = InterruptFlag()
        let interrupting = InterruptingOutput(flag: flag, after: "step 3/8")
        let b = Interpreter(session: Session(output: interrupting, interrupt: flag))
        _ = run(b, Self.setup(split) + "\n" + Self.dpo)
        #expect(interrupting.captured.text.contains("stopped at step 3 of 8"), "\(interrupting.captured.text)")

        let (_, c, cOutput) = session()
        let resumed = run(c, "set runs_dir=\"\(split)/runs\"\nresume d")
        #expect(resumed.errors.isEmpty, "\(resumed.errors)\n\(cOutput.text)")
        #expect(cOutput.text.contains("resuming d from its checkpoint at step 3"), "\(cOutput.text)")
        #expect(Self.losses(split) == Self.losses(whole), "\(Self.losses(split)) vs \(Self.losses(whole))")
        #expect(Self.losses(whole).count == 8)
    }

    @Test("grpo with a rule reward raises the held-out reward and shows reward, KL and length")
    func grpoRaisesReward() throws {
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = ["Once upon a time, there was a little boy named", "One day, a boy named", "There was a kind boy named",
                     "Once upon a time, a happy boy named", "One sunny day, a little boy called", "A brave boy named"]
        let held = ["Long ago, there lived a boy named", "In a small town, there was a boy named", "Once there was a boy called"]
        try train.map { #"{"text": "\#($0)"}"# }.joined(separator: "\n").write(toFile: dir + "/prompts.jsonl", atomically: true, encoding: .utf8)
        try held.map { #"{"text": "\#($0)"}"# }.joined(separator: "\n").write(toFile: dir + "/held.jsonl", atomically: true, encoding: .utf8)
        let (session, interpreter, output) = session()
        let script = """
            set runs_dir="\(dir)/runs"
            load model "\(Self.model)" as tiny
            lora r=8 alpha=16 targets=all-linear seed=5
            load data "\(dir)/prompts.jsonl" as prompts
            load data "\(dir)/held.jsonl" as held
            grpo prompts reward=contains:Tom group=8 max_tokens=6 steps=12 batch=3 lr=1e-2 schedule=constant val=held eval_every=6 seed=1 as g
            """
        let outcome = run(interpreter, script)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)\n\(output.text)")
        #expect(output.stableText.contains("GRPO with reward contains:Tom"))
        #expect(output.stableText.contains("reward ") && output.stableText.contains("KL "), "\(output.stableText)")
        let evals = RunLog.events(at: dir + "/runs/g/metrics.jsonl").filter { $0.kind == .eval }.compactMap { $0.figures?["reward"] }
        print("grpo: held-out reward at evaluations \(evals)")
        #expect((evals.last ?? 0) >= 0.5, "\(evals)")
        #expect(session.workspace.run(named: "g")?.status == .finished)
    }

    @Test("reward train learns to rank the pairs, and score rates the chosen kind of answer higher")
    func rewardTrainAndScore() throws {
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (session, interpreter, output) = session()
        let script = Self.setup(dir) + """

            reward train prefs.train steps=10 batch=6 lr=1e-2 schedule=constant eval_every=5 as rm
            let good = score "Zoe went to the zoo. Zoe felt" "happy and smiled."
            let bad = score "Zoe went to the zoo. Zoe felt" "sad and cried."
            """
        let outcome = run(interpreter, script)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)\n\(output.text)")
        guard case .float(let good)? = session.variable("good"), case .float(let bad)? = session.variable("bad") else {
            Issue.record("score returned no rewards"); return
        }
        print("reward model: happy \(good), sad \(bad)")
        #expect(good > bad + 0.5)
        let evals = RunLog.events(at: dir + "/runs/rm/metrics.jsonl").filter { $0.kind == .eval }.compactMap { $0.figures?["rewards/accuracies"] }
        #expect(evals.last == 1, "\(evals)")
    }

    @Test("ppo with a trained reward model raises the held-out reward model score; the KL is finite and shown")
    func ppoWithRewardModel() throws {
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Troubles, where the base model often answers sad: room for the reward to rise.
        let prompts = ["Tom", "Lily", "Ben", "Sue", "Max", "Anna"].map { #"{"text": "\#($0) lost the ball. \#($0) felt"}"# }
        let held = ["Zoe", "Sam", "Mia"].map { #"{"text": "\#($0) broke the toy. \#($0) felt"}"# }
        try prompts.joined(separator: "\n").write(toFile: dir + "/prompts.jsonl", atomically: true, encoding: .utf8)
        try held.joined(separator: "\n").write(toFile: dir + "/held.jsonl", atomically: true, encoding: .utf8)
        let (session, interpreter, output) = session()
        let script = Self.setup(dir) + """

            reward train prefs.train steps=10 batch=6 lr=1e-2 schedule=constant as rm_run
            load model "\(Self.model)" as policy
            lora r=8 alpha=16 targets=all-linear seed=5
            load data "\(dir)/prompts.jsonl" as prompts
            load data "\(dir)/held.jsonl" as held
            ppo prompts reward=model:tiny answers=4 max_tokens=6 steps=12 batch=3 lr=1e-2 schedule=constant ppo_epochs=2 val=held eval_every=6 seed=1 as p
            """
        let outcome = run(interpreter, script)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)\n\(output.text)")
        #expect(output.stableText.contains("PPO with reward model:tiny, 4 answers per prompt"), "\(output.stableText)")
        #expect(output.stableText.contains("reward ") && output.stableText.contains("KL "), "\(output.stableText)")
        let events = RunLog.events(at: dir + "/runs/p/metrics.jsonl")
        let evals = events.filter { $0.kind == .eval }.compactMap { $0.figures?["reward"] }
        let kls = events.filter { $0.kind == .train }.compactMap { $0.figures?["kl"] }
        print("ppo with a reward model: held-out score at evaluations \(evals); KL \(kls)")
        #expect(evals.count >= 2 && evals.last! > evals.first!, "\(evals)")
        #expect(!kls.isEmpty && kls.allSatisfy(\.isFinite))
        #expect(session.workspace.run(named: "p")?.status == .finished)

        // The judge cannot be the model being trained.
        let (_, again, againOutput) = self.session()
        let selfJudged = run(again, Self.setup(dir) + """

            reward train prefs.train steps=2 batch=6 as rm2
            ppo prefs reward=model:tiny steps=1
            """)
        #expect(selfJudged.errors.first?.message.contains("is the model being trained") == true, "\(selfJudged.errors)\n\(againOutput.text)")
    }
}
