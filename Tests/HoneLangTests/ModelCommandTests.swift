import Foundation
import Testing
@testable import HoneLang

/// `../shared/models` beside the package checkout.
enum SharedModelFiles {
    static let directory: String = {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.deletingLastPathComponent().appendingPathComponent("shared/models").path
    }()

    static func has(_ relative: String) -> Bool {
        let found = FileManager.default.fileExists(atPath: directory + "/" + relative)
        if !found { print("skipping: \(directory)/\(relative) is absent (the shared models are not checked out beside the package)") }
        return found
    }
}

@Suite("model commands", .enabled(if: SharedModelFiles.has("stories260K/stories260K.bin"), "the shared models are absent"))
struct ModelCommandTests: SessionTesting {
    let bin = SharedModelFiles.directory + "/stories260K/stories260K.bin"

    @Test("load model names the model, makes it current and a variable with `as`")
    func loadAs() {
        let (session, interpreter, output) = session()
        let outcome = run(interpreter, "load model \"\(bin)\" as tiny\nprint tiny.parameters\nprint tiny.architecture")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.stableText.contains("loaded tiny: llama, 260.0K parameters"))
        #expect(output.stableText.hasSuffix("260032\nllama\n"))
        #expect(session.workspace.currentModelName == "tiny")
    }

    @Test("greedy generate prints the reference continuation")
    func greedyGenerate() {
        let (_, interpreter, output) = session()
        let outcome = run(interpreter, "load model \"\(bin)\"\nlet g = generate \"Once upon a time\" max_tokens=20 temperature=0\nprint g.ids.count")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.stableText.contains("Once upon a time, there was a little girl named Lily. She loved to play outsid\n"))
        #expect(output.stableText.hasSuffix("20\n"))
    }

    @Test("sampling with the same seed gives the same text; the session seed is the default")
    func seededSampling() {
        let (_, interpreter, _) = session()
        _ = run(interpreter, "load model \"\(bin)\"")
        let texts = ["generate \"Lily\" max_tokens=30 seed=5", "generate \"Lily\" max_tokens=30 seed=5",
                     "set seed=5\ngenerate \"Lily\" max_tokens=30", "generate \"Lily\" max_tokens=30 seed=6"].map { entry -> String in
            if case .completed(let value) = run(interpreter, entry) { return value.field("text")?.repr ?? "" }
            return ""
        }
        #expect(texts[0] == texts[1] && texts[0] == texts[2])
        #expect(texts[0] != texts[3])
    }

    /// Captures output and raises the interrupt flag once generation has streamed some text,
    /// as Ctrl-C in the middle of `generate` would.
    final class InterruptingOutput: OutputSink {
        let flag: InterruptFlag
        var text = ""
        var pieces = 0
        init(flag: InterruptFlag) { self.flag = flag }
        func emit(_ piece: String, _ kind: OutputKind) {
            text += piece
            if text.contains("Once upon a time") { pieces += 1 }
            if pieces == 4 { flag.raise() }
        }
    }

    @Test("Ctrl-C stops generation, keeps the text so far and the session")
    func interruptKeepsSession() {
        let flag = InterruptFlag()
        let output = InterruptingOutput(flag: flag)
        let session = Session(output: output, interrupt: flag)
        let interpreter = Interpreter(session: session)
        _ = run(interpreter, "load model \"\(bin)\" as m\nlet kept = 1")
        let outcome = run(interpreter, "generate \"Once upon a time\" max_tokens=200 temperature=0")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.text.contains("stopped at an interrupt"))
        if case .completed(let value) = outcome {
            #expect(value.field("stop_reason")?.repr == #""interrupted""#)
            #expect(value.field("text")?.repr.hasPrefix(#"", there"#) == true)
        }
        #expect(session.variable("kept")?.repr == "1")
        #expect(session.workspace.model(named: "m") != nil)
    }

    @Test("tokenize shows ids and pieces")
    func tokenize() {
        let (_, interpreter, output) = session()
        let outcome = run(interpreter, "load model \"\(bin)\"\nlet t = tokenize \"Once upon a time\"\nprint t.ids")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.stableText.hasSuffix("[1, 403, 407, 261, 378]\n"))
    }

    @Test("commands without a model, or naming an unknown one, say what to do")
    func missingModels() {
        let (_, interpreter, _) = session()
        #expect(run(interpreter, "generate \"hi\"").firstMessage == "no model is loaded")
        _ = run(interpreter, "load model \"\(bin)\" as tiny")
        let outcome = run(interpreter, "use tiyn")
        #expect(outcome.firstMessage == "no model named `tiyn`")
        #expect(outcome.errors.first?.hints.contains { $0.contains("tiny") } == true)
    }

    @Test("a missing file and a pickle are refused with the cause")
    func badSources() throws {
        let (_, interpreter, _) = session()
        let missing = run(interpreter, "load model /nonexistent/model.gguf")
        #expect(missing.errors.first?.cause?.contains("does not exist") == true)
        let pickle = FileManager.default.temporaryDirectory.appendingPathComponent("hone-\(UUID().uuidString).pt").path
        try Data([0x80, 0x02, 0x7d, 0x71, 0x00]).write(to: URL(fileURLWithPath: pickle))
        let refused = run(interpreter, "load model \"\(pickle)\"")
        #expect(refused.errors.first?.cause?.contains("arbitrary code") == true, "\(refused.errors)")
    }

    @Test("a prompt longer than the context is refused before running")
    func promptTooLong() {
        let (_, interpreter, _) = session()
        _ = run(interpreter, "load model \"\(bin)\"")
        let long = String(repeating: "a b ", count: 400)
        let outcome = run(interpreter, "generate \"\(long)\"")
        #expect(outcome.firstMessage == "the prompt cannot run on `stories260K`")
        #expect(outcome.errors.first?.cause?.contains("context length of 512") == true)
    }

    @Test("unload forgets the model and its variable")
    func unload() {
        let (session, interpreter, _) = session()
        _ = run(interpreter, "load model \"\(bin)\" as a\nload model \"\(bin)\" as b")
        #expect(run(interpreter, "unload b").errors.isEmpty)
        #expect(session.workspace.currentModelName == "a")
        #expect(session.variable("b")?.repr == "none")
    }
}

@Suite("adapter commands", .enabled(if: SharedModelFiles.has("stories260K-hf/model.safetensors"), "the shared models are absent"))
struct AdapterCommandTests {
    let hf = SharedModelFiles.directory + "/stories260K-hf"

    @Test("show params after lora r=16 alpha=32 targets=q_proj,v_proj counts r·(in + out) over the targets")
    func showParams() {
        let (outcome, text, _) = runScript("load model \"\(hf)\"\nlora r=16 alpha=32 targets=q_proj,v_proj\nlet p = show params\nprint p.trainable", registry: .standard)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        // 5 layers × 16 × ((64 + 64) for q + (64 + 32) for v).
        #expect(text.contains("trainable params: 17,920 || all params: 277,952 || trainable%: 6.4472"))
        #expect(text.hasSuffix("17920\n"))
    }

    @Test("PEFT's own counts: LoRA r=4 on q,v gives 4,480; rsLoRA+DoRA r=4 on all-linear gives 26,120")
    func peftCounts() {
        let (_, text, _) = runScript("load model \"\(hf)\"\nlora r=4 alpha=8\nshow params\ndora r=4 alpha=8 rslora targets=all-linear as d\nshow params", registry: .standard)
        #expect(text.contains("trainable params: 4,480 || all params: 264,512 || trainable%: 1.6937"))
        #expect(text.contains("trainable params: 26,120 || all params: 286,152 || trainable%: 9.1280"))
    }

    @Test("disable adapter gives the base model's text; a misspelled target gets did-you-mean")
    func disableAndTypos() {
        let (outcome, _, _) = runScript("load model \"\(hf)\"\nlora r=4 targets=q_prj", registry: .standard)
        #expect(outcome.firstMessage == "the target `q_prj` matches no linear layer of this model")
        #expect(outcome.errors.first?.hints.first == "did you mean `q_proj`?")
        let (ok, text, _) = runScript("""
            load model "\(hf)"
            let base = generate "Lily wanted to" max_tokens=12 temperature=0
            lora r=4 alpha=64 targets=all-linear init=gaussian seed=3
            merge
            let merged = generate "Lily wanted to" max_tokens=12 temperature=0
            unmerge
            disable adapter
            let off = generate "Lily wanted to" max_tokens=12 temperature=0
            assert off.text == base.text
            """, registry: .standard)
        #expect(ok.errors.isEmpty, "\(ok.errors) \(text)")
    }

    @Test("load adapter gives PEFT's greedy text; save adapter and load it back; quantize reports memory; qlora adds LoRA on NF4")
    func adapterFilesAndQuantisation() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hone-adapter-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let peft = SharedModelFiles.directory + "/stories260K-peft-lora"
        let (outcome, text, session) = runScript("""
            load model "\(hf)"
            load adapter "\(peft)"
            let a = generate "Lily wanted to" max_tokens=20 temperature=0
            save adapter "\(directory)/peft"
            save adapter "\(directory)/lora.gguf"
            load adapter "\(directory)/peft" as again
            let b = generate "Lily wanted to" max_tokens=20 temperature=0
            assert a.text == b.text
            let q = quantize nf4
            qlora r=4 targets=all-linear as small
            """, registry: .standard)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(text.contains("Lily wanted to go on adventures with her mom. She saw a big bo\n"))
        #expect(text.contains("quantized 35 linear weights of stories260K_hf to nf4"))
        #expect(FileManager.default.fileExists(atPath: directory + "/peft/adapter_config.json"))
        #expect(FileManager.default.fileExists(atPath: directory + "/lora.gguf"))
        #expect(session.variable("q")?.field("bytes_after").map { "\($0.repr)" } == "250988")
    }
}
