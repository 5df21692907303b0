import Foundation
import HoneModels
import HonePEFT
import HoneTensor

/// `save model PATH [format=hf|gguf]`: write the current model for other tools.
public enum SaveModelCommand: Command {
    static let path = Arg<String>.positional("path", .path(extensions: []),
        help: "the directory (format=hf) or .gguf file to write; replaced whole if it exists")
    static let format = Arg<String>.option("format", .choice(["hf", "gguf"]),
        help: "hf: a Hugging Face directory (config.json, model.safetensors, tokenizer files); gguf: one file for llama.cpp (default: gguf for a path ending in .gguf, else hf)")
    static let dtype = Arg<String>.option("dtype", .choice(["f32", "f16", "bf16"]), default: .string("f32"),
        help: "how weights are stored: f32, f16 (gguf keeps norms in f32, as llama.cpp's converter does) or bf16 (hf only)")
    static let model = Arg<String>.option("model", .word, help: "the model to save (default: the current model)")

    public static let spec = CommandSpec(
        ["save", "model"], summary: "save a model as a Hugging Face directory or a GGUF file",
        discussion: """
            The files are written to a temporary name and renamed into place, so an interrupted \
            save never leaves a half-written model. q/k weights are permuted to each format's \
            rotary layout (half rotation for Hugging Face, interleaved for GGUF). The tokenizer is \
            saved with the model: tokenizer.json and its config for Hugging Face, the \
            tokenizer.ggml.* metadata llama.cpp reads for GGUF. The model's template (the one it was \
            trained or loaded with) goes with it as a Jinja chat template: `chat_template` in \
            tokenizer_config.json, `tokenizer.chat_template` in GGUF. With an active adapter the saved \
            weights are the merged ones (the model as it now behaves), and the command says so.
            """,
        category: .models, arguments: [path.spec, format.spec, dtype.spec, model.spec],
        examples: [.init("save model out/tiny-hf", "a Hugging Face directory that transformers loads"),
                   .init("save model out/tiny.gguf dtype=f16", "a GGUF file for llama.cpp, matrices in f16")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(model), in: context, range: arguments.range(of: model))
        let target = context.resolve(path: arguments[path])
        let chosen = arguments.optional(format) ?? (target.lowercased().hasSuffix(".gguf") ? "gguf" : "hf")
        let storage = arguments[dtype]
        let start = ContinuousClock.now
        let parent = (target as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw HoneError(.io, "cannot create the directory `\(parent)`", at: arguments.range(of: path), cause: error.localizedDescription)
            }
        }
        // An active adapter is part of the model the user sees: save what it computes.
        let adapters = handle.model.linearHook as? AdapterSet
        var temporarilyMerged: LoRAAdapter?
        if let adapters, adapters.isEnabled, adapters.merged == nil, adapters.active != nil {
            temporarilyMerged = try adapters.merge()
        }
        defer { if temporarilyMerged != nil { try? adapters?.unmerge() } }
        switch chosen {
        case "gguf":
            guard let llama = handle.model as? DecoderModel else {
                throw HoneError(.value, "GGUF writing supports the decoder families (Llama, Qwen, Gemma, Phi-3, …); `\(handle.name)` is \(handle.model.familyName)",
                                at: arguments.range(of: format) ?? context.call.range, hints: ["save it with format=hf"])
            }
            if let reason = GGUFLlama.unwritableReason(llama.configuration) {
                throw HoneError(.value, "`\(handle.name)` cannot be saved as GGUF: \(reason)",
                                at: arguments.range(of: format) ?? context.call.range, hints: ["save it with format=hf"])
            }
            guard storage != "bf16" else {
                throw HoneError(.value, "GGUF is written as f32 or f16, not bf16", at: arguments.range(of: dtype), hints: ["dtype=f16"])
            }
            guard let tokenizer = handle.tokenizer else {
                throw HoneError(.value, "`\(handle.name)` has no tokenizer, and llama.cpp needs one inside the GGUF", at: context.call.range)
            }
            try GGUFLlama.write(model: llama, tokenizerMetadata: tokenizer.ggufMetadata(), chatTemplate: handle.chatTemplateText, to: target, f16: storage == "f16", name: handle.name)
        default:
            let files = try handle.tokenizer?.huggingFaceFiles() ?? []
            let type: DType = storage == "f16" ? .float16 : storage == "bf16" ? .bfloat16 : .float32
            try HuggingFaceWriter.write(model: handle.model, tokenizerFiles: files, chatTemplate: handle.chatTemplateText, to: target, dtype: type)
            if handle.tokenizer == nil { context.say("note: `\(handle.name)` has no tokenizer; only the model files were written") }
        }
        let seconds = (ContinuousClock.now - start).secondsValue
        context.say("saved \(handle.name) to \(arguments[path]) (\(chosen == "gguf" ? "GGUF" : "Hugging Face directory"), \(storage))")
        if let merged = temporarilyMerged ?? adapters?.merged.flatMap({ adapters?.adapter(named: $0.name) }) {
            context.say("the weights include adapter \(merged.name), merged (W + scaling·BA); `save adapter` saves it on its own")
        }
        if let template = handle.template {
            context.say("chat template: \(template.name), as " + (chosen == "gguf" ? "tokenizer.chat_template" : "chat_template in tokenizer_config.json"))
        }
        context.say(String(format: "save time: %.2f s", seconds), .volatile)
        return .string(target)
    }
}
