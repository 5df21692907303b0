import Foundation
import HoneModels
import HoneTensor

/// Finds the model a command names with `model=NAME`, or the current one.
enum ModelReference {
    static func resolve(_ name: String?, in context: CommandContext, range: SourceRange?) throws -> ModelHandle {
        let workspace = context.session.workspace
        if let name {
            if let handle = workspace.model(named: name) { return handle }
            let names = workspace.models.map(\.name)
            var hints = names.isEmpty ? ["no model is loaded; `load model PATH` loads one"] : ["loaded: " + names.joined(separator: ", ")]
            let suggestion = Suggestions.didYouMean(name, among: names)
            if !suggestion.isEmpty { hints.insert(suggestion, at: 0) }
            throw HoneError(.value, "no model named `\(name)`", at: range ?? context.call.range, hints: hints)
        }
        guard let current = workspace.currentModel else {
            throw HoneError(.value, "no model is loaded", at: context.call.range,
                            hints: ["`load model PATH` loads one, e.g. `load model ../shared/models/stories260K/stories260K.gguf`"])
        }
        return current
    }

    /// A session name from a path or hub id: `…/stories260K.gguf` → `stories260K`, `hf:org/gpt-2` → `gpt_2`.
    static func defaultName(for source: String) -> String {
        var base = source.hasPrefix("hf:") ? String(source.dropFirst(3)) : source
        while base.hasSuffix("/") { base.removeLast() }
        base = (base as NSString).lastPathComponent
        for ext in ["gguf", "bin", "safetensors"] where base.lowercased().hasSuffix("." + ext) { base = String(base.dropLast(ext.count + 1)) }
        if let at = base.firstIndex(of: "@") { base = String(base[..<at]) }
        var name = String(base.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        if name.isEmpty || name.first!.isNumber { name = "model_" + name }
        return name
    }

    /// The `tokenize`/`generate` tokenizer, or an error saying the model has none.
    static func tokenizer(of handle: ModelHandle, in context: CommandContext) throws -> any Tokenizer {
        guard let tokenizer = handle.tokenizer else {
            throw HoneError(.value, "model `\(handle.name)` has no tokenizer", at: context.call.range,
                            hints: ["for a llama2.c checkpoint, load it with `tokenizer=PATH` (its tokenizer.bin)"])
        }
        return tokenizer
    }
}

/// `load model PATH|hf:ORG/NAME [as NAME]`.
public enum LoadModelCommand: Command {
    static let source = Arg<String>.positional("source", .path(extensions: []),
        help: "a Hugging Face model directory, a .gguf file, a llama2.c .bin checkpoint, hf:ORG/NAME from the hub, or hone-tiny (ships with hone)")
    static let tokenizer = Arg<String>.option("tokenizer", .path(extensions: ["bin"]),
        help: "the tokenizer.bin of a llama2.c checkpoint (default: tokenizer.bin or tok<vocab>.bin beside it)")
    static let name = Arg<String>.clause("as", .name, help: "the name the session keeps the model under (default: from the file name)")
    static let dequantize = Arg<Bool>.option("dequantize", .bool, default: .bool(false),
        help: "load a GGUF's Q8_0/Q4_0 linear weights as float32 (needed for method=full) instead of keeping their blocks")
    static let refresh = Arg<Bool>.option("refresh", .bool, default: .bool(false),
        help: "for hf:…, ask the hub for the newest commit even when the model is cached")

    public static let spec = CommandSpec(
        ["load", "model"], summary: "load a model (Hugging Face directory, GGUF, llama2.c, or hf:ORG/NAME)",
        discussion: """
            The format is read from the files, not the name. Decoder families (`model_type`): \
            \(DecoderFamily.all.map { "`\($0.modelType)` (\($0.displayName))" }.joined(separator: ", ")), and `gpt2`. \
            Every `config.json` key is either read, known to be harmless for its family, or refused by \
            name unless it holds transformers' default, in the transformers 4 and 5 layouts alike. \
            Weights are kept as float32, except a GGUF's Q8_0 and Q4_0 linear weights, which stay in \
            their blocks as llama.cpp keeps them (a quantised base for `lora`, as after `quantize`; \
            `dequantize=true` makes them float32). The model \
            becomes the current one, which `generate`, `tokenize`, `show model` and `save model` use \
            unless given `model=NAME`; `as NAME` also makes a variable of that name. PyTorch pickles \
            (.bin, .pt, .pth) are refused: loading one runs arbitrary code. Convert them to safetensors. \
            `hf:ORG/NAME[@REVISION]` (or `hf:ORG/NAME/FILE.gguf`) downloads from the Hugging Face hub \
            into its cache (HF_HOME, HF_ENDPOINT and HF_TOKEN are honoured) and reuses cached files, \
            also offline (HF_HUB_OFFLINE=1); a cached model is not checked for newer commits unless \
            `refresh` is given. `hone-tiny` is the small Llama that ships with hone (models/hone-tiny, \
            pretrained on the story world by scripts/make-hone-tiny); it loads by name from anywhere.
            """,
        category: .models, arguments: [source.spec, tokenizer.spec, dequantize.spec, refresh.spec, name.spec],
        examples: [.init("load model ../shared/models/stories260K/stories260K.gguf", "a GGUF file with its tokenizer"),
                   .init("load model ../shared/models/stories260K-hf as tiny", "a Hugging Face directory, named `tiny`"),
                   .init("load model hf:HuggingFaceTB/SmolLM2-135M", "downloads into the Hugging Face cache, then loads")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let written = arguments[source]
        let start = ContinuousClock.now
        let loaded: LoadedModel
        if written.hasPrefix("hf:") {
            loaded = try ModelLoader.loadFromHub(written, refresh: arguments[refresh], dequantizesGGUF: arguments[dequantize], progress: { context.say($0, .volatile) },
                                                 isCancelled: { context.session.interrupt.isRaised })
        } else {
            let local = context.resolve(path: written)
            let path = FileManager.default.fileExists(atPath: local) ? local : BundledModels.path(of: written) ?? local
            loaded = try ModelLoader.load(path: path, tokenizerPath: arguments.optional(tokenizer).map(context.resolve(path:)),
                                          dequantizesGGUF: arguments[dequantize])
        }
        let handleName = arguments.optional(name) ?? ModelReference.defaultName(for: written)
        let handle = ModelHandle(name: handleName, loaded: loaded, source: written)
        context.session.workspace.add(handle)
        if arguments.contains(name) { context.session.setVariable(handleName, .object(handle)) }
        let m = loaded.model
        let seconds = (ContinuousClock.now - start).secondsValue
        context.say("loaded \(handleName): \(m.architecture.rawValue), \(ModelHandle.count(m.parameterCount)) parameters "
                    + "(\(m.layerCount) layers, hidden \(m.hiddenSize), \(m.attentionHeads) heads / \(m.keyValueHeads) kv, "
                    + "vocab \(m.vocabularySize), context \(m.contextLength)) from \(loaded.format.rawValue)")
        context.say(String(format: "load time: %.2f s", seconds), .volatile)
        for note in loaded.notes { context.say("  " + note) }
        if let text = loaded.chatTemplate {
            handle.adoptChatTemplate(text, from: loaded.format == .gguf ? "the GGUF's tokenizer.chat_template" : "the tokenizer files", in: context)
        }
        return .object(handle)
    }

    public static func variablesDefined(by call: CommandCall) -> Set<String>? {
        for argument in call.arguments {
            if case .clause("as", _) = argument.label, case .bare(let name, _) = argument.value { return [name] }
        }
        return []
    }
}

/// `models`: what is loaded.
public enum ModelsCommand: Command {
    public static let spec = CommandSpec(
        ["models"], summary: "list the loaded models; * marks the current one",
        category: .models, examples: [.init("models", "name, architecture, parameters, source")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let workspace = context.session.workspace
        if workspace.models.isEmpty {
            context.show("no models loaded; `load model PATH` loads one")
        } else {
            let width = workspace.models.map(\.name.count).max()!
            for handle in workspace.models {
                let mark = handle.name == workspace.currentModelName ? "*" : " "
                context.show("\(mark) \(handle.name.padding(toLength: width, withPad: " ", startingAt: 0))  "
                             + handle.model.architecture.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
                             + ModelHandle.count(handle.model.parameterCount).leftPadded(to: 8) + "  \(handle.source)")
            }
        }
        return .list(workspace.models.map { .object($0) })
    }
}

/// `use NAME`: choose the current model.
public enum UseCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "a loaded model's name (see `models`)")

    public static let spec = CommandSpec(
        ["use"], summary: "make a loaded model the current one",
        category: .models, arguments: [name.spec], examples: [.init("use base", "later commands use the model `base`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments[name], in: context, range: arguments.range(of: name))
        context.session.workspace.use(handle.name)
        context.say("using \(handle.name)")
        return .object(handle)
    }
}

/// `unload NAME`: forget a model.
public enum UnloadCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "a loaded model's name (see `models`)")

    public static let spec = CommandSpec(
        ["unload"], summary: "remove a model from the session, freeing its memory",
        category: .models, arguments: [name.spec], examples: [.init("unload base", "forget the model `base`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments[name], in: context, range: arguments.range(of: name))
        let workspace = context.session.workspace
        workspace.remove(handle.name)
        // A variable that holds the model would keep its memory alive; it goes too.
        if case .object(let object)? = context.session.variable(handle.name), object === handle {
            context.session.setVariable(handle.name, .none)
        }
        context.say("unloaded \(handle.name)" + (workspace.currentModelName.map { "; current model: \($0)" } ?? "; no model is loaded"))
        return .none
    }
}

/// `show model [NAME]`: architecture, sizes, and memory estimates.
public enum ShowModelCommand: Command {
    static let name = Arg<String>.positional("name", .word, required: false, help: "a loaded model's name (default: the current model)")

    public static let spec = CommandSpec(
        ["show", "model"], summary: "a model's architecture, parameters by part, and memory needs",
        discussion: """
            The memory figures are estimates for float32 on CPU: inference (weights and a full KV \
            cache), full fine-tuning with AdamW (16 bytes a parameter plus activations), LoRA and \
            QLoRA (rank 8 on q and v, PEFT's defaults). They show why adapters make fine-tuning fit.
            """,
        category: .models, arguments: [name.spec], examples: [.init("show model", "the current model")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(name), in: context, range: arguments.range(of: name))
        let m = handle.model
        let summary = ModelSummary(m)
        var lines = ["model \(handle.name) (\(handle.source), \(handle.loaded.format.rawValue))",
                     "  architecture   \(m.architecture.rawValue): \(m.layerCount) layers, hidden \(m.hiddenSize), "
                     + "\(m.attentionHeads) heads / \(m.keyValueHeads) kv of size \(m.headDim), vocab \(m.vocabularySize), context \(m.contextLength)",
                     "  dtype          " + Self.dtype(m),
                     "  parameters     \(formatted(summary.total)) (\(ModelHandle.count(summary.total)))"]
        for (part, count) in summary.parts where count > 0 {
            let share = Double(count) / Double(max(1, summary.total)) * 100
            lines.append("    \(part.padding(toLength: 12, withPad: " ", startingAt: 0)) \(formatted(count).leftPadded(to: 12))  \(String(format: "%5.1f%%", share))")
        }
        if let tokenizer = handle.tokenizer {
            lines.append("  tokenizer      \(tokenizer.vocabularySize) tokens" + (tokenizer.bos.map { ", bos \($0)" } ?? "") + (tokenizer.eos.map { ", eos \($0)" } ?? ""))
        } else {
            lines.append("  tokenizer      none")
        }
        lines.append("  memory (estimates)")
        for estimate in summary.estimates {
            lines.append("    \(estimate.method.padding(toLength: 17, withPad: " ", startingAt: 0)) \(ModelHandle.bytes(estimate.bytes).leftPadded(to: 10))  \(estimate.explanation)")
        }
        context.show(lines.joined(separator: "\n"))
        return .object(handle)
    }

    /// "float32", or the quantised linear weights' format beside it.
    static func dtype(_ model: any LanguageModel) -> String {
        let formats = Set(model.quantizedWeights.values.map(\.format.rawValue)).sorted()
        guard !formats.isEmpty else { return "float32" }
        return "float32; \(model.quantizedWeights.count) linear weights \(formats.joined(separator: ", ")) (\(ModelHandle.bytes(model.quantizedWeights.values.reduce(0) { $0 + $1.byteCount })))"
    }

    static func formatted(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}

