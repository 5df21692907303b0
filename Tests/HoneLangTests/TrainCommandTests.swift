import Foundation
import HoneTrain
import Testing
@testable import HoneLang

/// `train`, `runs`, `resume` and `eval` through a session, on stories260K and the instruction
/// data in ../shared/data.
@Suite("training commands", .enabled(if: SharedModelFiles.has("stories260K-hf/config.json"), "the shared models are absent"))
struct TrainCommandTests: SessionTesting {
    static let model = SharedModelFiles.directory + "/stories260K-hf"
    static let alpaca = SharedModelFiles.directory + "/../data/instruct/alpaca_en_demo.json"

    /// A session in a fresh runs folder, with stories260K loaded and a small slice of alpaca data
    /// added directly (so these tests do not depend on `load data`).
    func trainingSession(records: Int = 48) throws -> (Session, Interpreter, CapturedOutput, String) {
        let output = CapturedOutput()
        let session = Session(output: output, interrupt: InterruptFlag())
        let interpreter = Interpreter(session: session)
        let runs = FileManager.default.temporaryDirectory.appendingPathComponent("hone-train-\(UUID().uuidString)").path
        session.setOption("runs_dir", .string(runs))
        let outcome = interpreter.runEntry(SourceFile(name: "<test>", text: "load model \"\(Self.model)\" as tiny"))
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let data = try DataLoader.load(path: Self.alpaca).0
        let short = DataSet(file: data.file, format: data.format, records: Array(data.records.prefix(records)), lines: Array(data.lines.prefix(records)))
        let val = DataSet(file: data.file, format: data.format, records: Array(data.records[records..<(records + 16)]),
                          lines: Array(data.lines[records..<(records + 16)]))
        session.workspace.add(DataSetHandle(name: "demo.train", data: short))
        session.workspace.add(DataSetHandle(name: "demo.val", data: val))
        return (session, interpreter, output, runs)
    }

    @Test("train without an adapter says how to add one or choose full fine-tuning")
    func nothingTrainable() throws {
        let (_, interpreter, _, runs) = try trainingSession()
        defer { try? FileManager.default.removeItem(atPath: runs) }
        let outcome = run(interpreter, "train steps=2")
        let message = outcome.errors.map { "\($0)" }.joined()
        #expect(message.contains("nothing to train") && message.contains("lora r=16") && message.contains("method=full"), "\(message)")
    }

    @Test("LoRA training lowers the validation loss and writes the run's folder")
    func loraRun() throws {
        let (session, interpreter, output, runs) = try trainingSession()
        defer { try? FileManager.default.removeItem(atPath: runs) }
        let outcome = run(interpreter, "lora r=8 alpha=16 targets=all-linear\nlet r = train steps=12 lr=5e-3 batch=4 seq=128 eval_every=6 as first\nprint r.val_losses")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)\n\(output.text)")
        let run = try #require(session.workspace.run(named: "first"))
        let val = run.validationLosses.map(\.loss)
        #expect(val.count >= 2)
        let fm = FileManager.default
        for file in ["config.json", "metrics.jsonl", "train_examples.jsonl", "val_examples.jsonl", "checkpoints/step-12/state.json",
                     "adapter/adapter_config.json"] {
            #expect(fm.fileExists(atPath: run.path + "/" + file), "\(file) is missing")
        }
        print(output.text)
    }

    @Test("eval shows base and trained side by side; compare, plot, runs and show memory work on the run")
    func evalCompareAndPlot() throws {
        let (session, interpreter, output, runs) = try trainingSession(records: 24)
        defer { try? FileManager.default.removeItem(atPath: runs) }
        session.workspace.add(DataSetHandle(name: "general", data: session.workspace.dataSet(named: "demo.val")!.data))
        let script = """
            lora r=8 alpha=16 targets=all-linear
            let m = show memory batch=4 seq=256
            set general=general
            train demo.train steps=4 lr=5e-3 batch=4 seq=256 as tuned
            let e = eval demo.val seq=256
            compare base default on demo.val
            runs
            let svg = plot
            """
        let outcome = run(interpreter, script)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)\n\(output.text)")
        let text = output.stableText
        #expect(text.contains("activations (4 × "), "\(text)")
        #expect(text.contains("  base ") && text.contains("  now "), "eval shows the base and the trained model")
        #expect(text.contains("task gain:"))
        #expect(text.contains("general text (general): perplexity"))
        #expect(text.contains("tuned") && text.contains("finished"))
        guard case .record(let e)? = session.variable("e"), case .float(let loss)? = e["loss"], case .float(let base)? = e["base_loss"] else {
            Issue.record("eval returned no loss and base_loss"); return
        }
        #expect(loss < base, "training lowered the loss on demo.val: \(base) → \(loss)")
        guard case .string(let svg)? = session.variable("svg") else { Issue.record("plot returned no path"); return }
        let written = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(written.hasPrefix("<?xml") || written.hasPrefix("<svg"))
        guard case .int(let bytes)? = session.variable("m") else { Issue.record("show memory returned no estimate"); return }
        #expect(bytes > 0)
    }

    @Test("a run whose memory estimate exceeds the free memory is refused with the estimate, before it starts")
    func memoryRefusal() throws {
        let (session, interpreter, _, runs) = try trainingSession()
        defer { try? FileManager.default.removeItem(atPath: runs) }
        guard let free = TrainingMemory.available() else { print("skipping: no /proc/meminfo"); return }
        let outcome = run(interpreter, "lora r=4\ntrain steps=1 batch=4096 seq=512")
        let message = outcome.errors.map { "\($0)" }.joined()
        #expect(message.contains("this run needs about") && message.contains("is free"), "\(message) (free: \(free))")
        #expect(message.contains("activations (4096 × 512 tokens)"), "\(message)")
        #expect(session.workspace.runs.isEmpty, "nothing started")
    }
}
