import Foundation
import Testing
@testable import HoneLang
import HoneModels
import HoneTensor

/// Snapshots give the session back exactly: the same variables, adapters, data sets, runs and
/// eval loss; weights are stored once; a changed model file or a missing piece is refused.
@Suite("snapshots")
struct SnapshotTests: SessionTesting {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-snap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func setup(_ dir: String) -> String {
        """
        set verbose=quiet
        set runs_dir="\(dir)/runs" snapshots_dir="\(dir)/snapshots"
        load model hone-tiny
        world qa n=120 seed=1 as qa
        split qa val=0.2 seed=1
        template alpaca
        lora r=4 alpha=8 targets=q_proj,v_proj seed=1
        let r = train qa.train steps=8 batch=4 lr=3e-3
        let before = eval qa.val
        let kept = [1, 2.5, "three", true]
        """
    }

    func loss(_ value: Value?) -> Double? {
        guard case .record(let r)? = value, case .float(let loss)? = r["loss"] else { return nil }
        return loss
    }

    @Test("save, reset, restore gives back every variable, adapter, data set and run, and the eval loss exactly")
    func restoreGivesTheSessionBack() throws {
        // Losses compared exactly: no other test may change the thread count meanwhile.
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (session, interpreter, _) = session()
        // `reset` resets options too, snapshots_dir among them, so it is set again.
        var outcome = run(interpreter, Self.setup(dir) + "\nsnapshot save one")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let saved = session.allVariables.map { "\($0.name) = \($0.value.repr)" }
        outcome = run(interpreter, "reset\nset snapshots_dir=\"\(dir)/snapshots\"\nsnapshot restore one")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(session.allVariables.map { "\($0.name) = \($0.value.repr)" } == saved)
        outcome = run(interpreter, "let after = eval qa.val")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(session.variable("kept")?.repr == #"[1, 2.5, "three", true]"#)
        #expect(loss(session.variable("after")) == loss(session.variable("before")) && loss(session.variable("after")) != nil)
        #expect(session.workspace.dataSets.map(\.name) == ["qa", "qa.train", "qa.val"])
        #expect(session.workspace.runs.map(\.name) == ["run-1"])
        if case .object(let run as RunHandle)? = session.variable("r") { #expect(run.name == "run-1") } else { Issue.record("r is not the run") }
        #expect(session.workspace.currentModel?.template == .alpaca)
        // Restoring in a fresh session (as `hone --restore` does) gives the same.
        let (fresh, freshInterpreter, _) = self.session()
        outcome = run(freshInterpreter, "set snapshots_dir=\"\(dir)/snapshots\"\nsnapshot restore one\nlet again = eval qa.val")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(loss(fresh.variable("again")) == loss(session.variable("before")))
    }

    @Test("a second snapshot after training only the adapter adds less than 1.2× the adapter's size")
    func weightsAreStoredOnce() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, interpreter, _) = session()
        func blobBytes() -> Int {
            let blobs = dir + "/snapshots/blobs"
            return ((try? FileManager.default.contentsOfDirectory(atPath: blobs)) ?? []).reduce(0) {
                $0 + ((try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $1)[.size] as? Int) ?? 0)
            }
        }
        var outcome = run(interpreter, Self.setup(dir) + "\nsnapshot save one\nsave adapter \"\(dir)/adapter\"")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let first = blobBytes()
        let adapterBytes = (try FileManager.default.attributesOfItem(atPath: dir + "/adapter/adapter_model.safetensors")[.size] as? Int) ?? 0
        outcome = run(interpreter, "train qa.train steps=4 batch=4 lr=3e-3\nsnapshot save two")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let added = blobBytes() - first
        #expect(adapterBytes > 0 && added < adapterBytes * 12 / 10, "added \(added) bytes for an adapter of \(adapterBytes)")
    }

    @Test("a model file that changed is refused, naming it, and the session stays as it was")
    func changedModelIsRefused() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try #require(BundledModels.path(of: "hone-tiny"))
        try FileManager.default.copyItem(atPath: source, toPath: dir + "/tiny")
        let (session, interpreter, _) = session()
        var outcome = run(interpreter, "set snapshots_dir=\"\(dir)/snapshots\"\nload model \"\(dir)/tiny\" as tiny\nlet x = 1\nsnapshot save s")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let config = dir + "/tiny/config.json"
        try (String(contentsOfFile: config, encoding: .utf8) + "\n").write(toFile: config, atomically: true, encoding: .utf8)
        outcome = run(interpreter, "let x = 2\nsnapshot restore s")
        #expect(outcome.errors.first?.message.contains("\(dir)/tiny") == true && outcome.errors.first?.message.contains("changed") == true, "\(outcome.errors)")
        #expect(session.variable("x")?.repr == "2")
    }

    @Test("restoring a missing name lists the snapshots; an incomplete one is refused, naming what is missing; `last` is the automatic one")
    func missingIncompleteAndLast() throws {
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (session, interpreter, output) = session()
        var outcome = run(interpreter, Self.setup(dir) + "\nsnapshot save kept\nsnapshot restore kpt")
        #expect(outcome.errors.first?.message == "no snapshot named `kpt`")
        #expect(outcome.errors.first?.hints.contains { $0.contains("snapshots: kept") } == true, "\(outcome.errors)")
        try FileManager.default.createDirectory(atPath: dir + "/snapshots/half", withIntermediateDirectories: true)
        outcome = run(interpreter, "snapshot restore half")
        #expect(outcome.errors.first?.message.contains("incomplete: it has no manifest.json") == true, "\(outcome.errors)")
        output.clear()
        outcome = run(interpreter, "snapshots")
        #expect(output.text.contains("kept") && output.text.contains("incomplete (no manifest, never restored): half"), "\(output.text)")
        // train snapshot=true keeps the state before it; `last` brings it back.
        outcome = run(interpreter, "train qa.train steps=8 batch=4 lr=1e-2 snapshot=true\nlet wrecked = eval qa.val\nsnapshot restore last\nlet back = eval qa.val")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(loss(session.variable("back")) == loss(session.variable("before")))
        #expect(loss(session.variable("wrecked")) != loss(session.variable("before")))
    }
}
