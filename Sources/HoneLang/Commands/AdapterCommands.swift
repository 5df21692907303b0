import Foundation
import HoneModels
import HonePEFT
import HoneTensor

/// The adapters of the model a command names (`model=NAME`) or the current one.
enum AdapterReference {
    static func set(_ model: String?, in context: CommandContext, range: SourceRange?) throws -> (ModelHandle, AdapterSet) {
        let handle = try ModelReference.resolve(model, in: context, range: range)
        return (handle, AdapterSet.on(handle.model))
    }

    /// An `AdapterError` as the language reports it, at the call.
    static func error(_ error: AdapterError, _ context: CommandContext, at range: SourceRange? = nil) -> HoneError {
        HoneError(.value, error.message, at: range ?? context.call.range, hints: error.hints)
    }

    static func describe(_ adapter: LoRAAdapter) -> String {
        let s = adapter.settings
        var kind = s.dora ? "DoRA" : "LoRA"
        if s.rsLoRA { kind = "rs" + kind }
        return "\(kind) r=\(s.rank) alpha=\(Value.float(s.alpha).repr) (scaling \(Value.float(s.scaling).repr))"
    }
}

/// `lora …` and `dora …`: add an adapter to the current model.
public enum LoraCommand: Command {
    static let r = Arg<Int>.option(LoRASettings.rankSetting)
    static let alpha = Arg<Double>.option(LoRASettings.alphaSetting)
    static let dropout = Arg<Double>.option(LoRASettings.dropoutSetting)
    static let targets = Arg<[String]>.option(LoRASettings.targetsSetting)
    static let rslora = Arg<Bool>.option(LoRASettings.rsLoRASetting)
    static let dora = Arg<Bool>.option(LoRASettings.doraSetting)
    static let initialization = Arg<String>.option(LoRASettings.initializationSetting)
    static let seed = Arg<Int>.option(LoRASettings.seedSetting)
    static let model = Arg<String>.option("model", .word, help: "the model to adapt (default: the current model)")
    static let name = Arg<String>.clause("as", .name, help: "the adapter's name (default: `default`, as PEFT names it)")

    static let arguments = [r.spec, alpha.spec, dropout.spec, targets.spec, rslora.spec, dora.spec, initialization.spec, seed.spec, model.spec, name.spec]

    public static let spec = CommandSpec(
        ["lora"], summary: "add a LoRA adapter to the current model (only it will train)",
        discussion: """
            Each targeted linear layer gets y = W·x + (alpha/r)·B·A·x, with A [r, in] initialised \
            small and random and B [out, r] at zero, so the model's outputs do not change until \
            training moves B. Only A and B train: `show params` shows how few parameters that is. \
            The adapter becomes the active one; `adapters` lists them.
            """,
        category: .adapters, arguments: arguments,
        examples: [.init("lora r=16 alpha=32 targets=q_proj,v_proj", "rank 16 on the attention's q and v projections"),
                   .init("lora r=8 targets=all-linear rslora as wide", "every linear layer, alpha/√r scaling, named `wide`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        try add(arguments, in: context, dora: arguments[dora])
    }

    static func add(_ arguments: BoundArguments, in context: CommandContext, dora: Bool) throws -> Value {
        let (handle, set) = try AdapterReference.set(arguments.optional(model), in: context, range: arguments.range(of: model))
        var sessionSeed = 0
        if case .int(let s) = context.session.option("seed") { sessionSeed = s }
        let settings = LoRASettings(
            rank: arguments[r], alpha: arguments[alpha], dropout: arguments[dropout],
            targets: arguments.optional(targets) ?? LoRASettings.defaultTargets(for: handle.model),
            rsLoRA: arguments[rslora], dora: dora,
            initialization: LoRAInitialization(rawValue: arguments[initialization]) ?? .kaiming,
            seed: UInt64(arguments.optional(seed) ?? sessionSeed))
        let adapterName = arguments.optional(name) ?? "default"
        do {
            let adapter = try LoRAAdapter.fresh(name: adapterName, settings: settings, on: handle.model)
            try set.add(adapter)
            let report = ParameterReport(model: handle.model)
            let modules = Array(Set(adapter.layers.map(\.module.shortName))).sorted()
            if settings.initialization == .pissa {
                context.say("PiSSA: the targeted base weights now hold the residual W − s·BA; the adapter alone applies only to this base")
            }
            context.say("added adapter \(adapterName) to \(handle.name): \(AdapterReference.describe(adapter)) on "
                        + "\(modules.joined(separator: ", ")) (\(adapter.layers.count) modules)")
            context.say("trainable: \(ShowModelCommand.formatted(report.trainable)) of \(ShowModelCommand.formatted(report.total)) parameters "
                        + String(format: "(%.4f%%)", report.share * 100))
            return .record(Record("adapter", [("name", .string(adapterName)), ("trainable", .int(report.trainable)),
                                              ("total", .int(report.total)), ("share", .float(report.share))]))
        } catch let error as AdapterError {
            throw AdapterReference.error(error, context, at: arguments.range(of: targets))
        }
    }
}

/// `dora …`: `lora … dora`.
public enum DoraCommand: Command {
    public static let spec = CommandSpec(
        ["dora"], summary: "add a DoRA adapter (LoRA with a learned magnitude per output row)",
        discussion: "The same arguments as `lora`. DoRA writes each adapted weight as m ⊙ (W + s·BA)/‖W + s·BA‖ per output row, with the magnitude m trained too.",
        category: .adapters, arguments: LoraCommand.arguments.filter { $0.name != "dora" },
        examples: [.init("dora r=8 alpha=16 targets=all-linear", "DoRA on every linear layer")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        try LoraCommand.add(arguments, in: context, dora: true)
    }
}

/// `adapters`: the adapters of the current model.
public enum AdaptersCommand: Command {
    static let model = Arg<String>.option("model", .word, help: "whose adapters (default: the current model's)")
    public static let spec = CommandSpec(
        ["adapters"], summary: "list the current model's adapters; * marks the active one",
        category: .adapters, arguments: [model.spec], examples: [.init("adapters", "name, kind, rank, targets, state")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let (handle, set) = try AdapterReference.set(arguments.optional(model), in: context, range: arguments.range(of: model))
        if set.adapters.isEmpty {
            context.show("\(handle.name) has no adapters; `lora r=8` adds one")
            return .list([])
        }
        for adapter in set.adapters {
            let active = adapter.name == set.activeName
            var state = ""
            if set.merged?.name == adapter.name { state = "  (merged)" } else if active && !set.isEnabled { state = "  (disabled)" }
            let modules = Array(Set(adapter.layers.map(\.module.shortName))).sorted().joined(separator: ",")
            context.show("\(active ? "*" : " ") \(adapter.name)  \(AdapterReference.describe(adapter))  \(modules)  "
                         + "\(ShowModelCommand.formatted(adapter.parameterCount)) parameters\(state)")
        }
        return .list(set.adapters.map { .string($0.name) })
    }
}

/// `use adapter NAME`.
public enum UseAdapterCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "an adapter of the current model (see `adapters`)")
    public static let spec = CommandSpec(
        ["use", "adapter"], summary: "make an adapter the active one", category: .adapters, arguments: [name.spec],
        examples: [.init("use adapter wide", "the model now runs with `wide`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let (_, set) = try AdapterReference.set(nil, in: context, range: nil)
        do { try set.use(arguments[name]) } catch let error as AdapterError { throw AdapterReference.error(error, context, at: arguments.range(of: name)) }
        context.say("active adapter: \(arguments[name])")
        return .string(arguments[name])
    }
}

/// `disable adapter` / `enable adapter`.
public enum DisableAdapterCommand: Command {
    public static let spec = CommandSpec(
        ["disable", "adapter"], summary: "run the base model, exactly, keeping the adapters",
        category: .adapters, examples: [.init("disable adapter", "compare the base model's answers")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let (handle, set) = try AdapterReference.set(nil, in: context, range: nil)
        if set.merged != nil { throw HoneError(.value, "the active adapter is merged into the weights", at: context.call.range, hints: ["`unmerge` first"]) }
        set.isEnabled = false
        context.say("adapters disabled: \(handle.name) runs as the base model")
        return .none
    }
}

public enum EnableAdapterCommand: Command {
    public static let spec = CommandSpec(
        ["enable", "adapter"], summary: "run with the active adapter again",
        category: .adapters, examples: [.init("enable adapter", "after `disable adapter`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let (_, set) = try AdapterReference.set(nil, in: context, range: nil)
        set.isEnabled = true
        context.say(set.activeName.map { "adapter \($0) enabled" } ?? "enabled, but the model has no adapters")
        return .none
    }
}

/// `delete adapter NAME`.
public enum DeleteAdapterCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "the adapter to remove")
    public static let spec = CommandSpec(
        ["delete", "adapter"], summary: "remove an adapter from the current model", category: .adapters, arguments: [name.spec],
        examples: [.init("delete adapter wide", "forget `wide`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let (_, set) = try AdapterReference.set(nil, in: context, range: nil)
        do { try set.delete(arguments[name]) } catch let error as AdapterError { throw AdapterReference.error(error, context, at: arguments.range(of: name)) }
        context.say("deleted adapter \(arguments[name])" + (set.activeName.map { "; active: \($0)" } ?? ""))
        return .none
    }
}

/// `merge` / `unmerge`.
public enum MergeCommand: Command {
    public static let spec = CommandSpec(
        ["merge"], summary: "fold the active adapter into the base weights (W + (alpha/r)·BA)",
        discussion: "The merged model runs as fast as the base and gives the adapter's outputs. `unmerge` restores the original weights exactly.",
        category: .adapters, examples: [.init("merge", "then `save model` writes the merged weights")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let (handle, set) = try AdapterReference.set(nil, in: context, range: nil)
        do {
            let quantized = Set(handle.model.quantizedWeights.keys)
            let adapter = try set.merge()
            context.say("merged \(adapter.name) into \(handle.name)'s weights (\(adapter.layers.count) modules)")
            let dequantized = adapter.layers.filter { quantized.contains($0.module.name + ".weight") }.count
            if dequantized > 0 {
                context.say("\(dequantized) of them were quantised: dequantised to float32 to merge (`unmerge` quantises them again)")
            }
        } catch let error as AdapterError { throw AdapterReference.error(error, context) }
        return .none
    }
}

public enum UnmergeCommand: Command {
    public static let spec = CommandSpec(
        ["unmerge"], summary: "restore the base weights a `merge` changed", category: .adapters,
        examples: [.init("unmerge", "the adapter runs as a separate path again")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let (handle, set) = try AdapterReference.set(nil, in: context, range: nil)
        do { try set.unmerge() } catch let error as AdapterError { throw AdapterReference.error(error, context) }
        context.say("restored \(handle.name)'s base weights")
        return .none
    }
}

/// `show params`: what trains.
public enum ShowParamsCommand: Command {
    static let model = Arg<String>.option("model", .word, help: "which model (default: the current model)")
    public static let spec = CommandSpec(
        ["show", "params"], summary: "trainable parameters: count, share of the total, by module and layer",
        discussion: "With an active adapter only its parameters train; without one, every weight does (full fine-tuning).",
        category: .adapters, arguments: [model.spec], examples: [.init("show params", "after `lora r=16`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(model), in: context, range: arguments.range(of: model))
        let report = ParameterReport(model: handle.model)
        let f = ShowModelCommand.formatted
        var lines = ["trainable params: \(f(report.trainable)) || all params: \(f(report.total)) || trainable%: "
                     + String(format: "%.4f", report.share * 100)]
        var html = "<p>" + HTML.escaped(lines[0]) + "</p>"
        if let adapter = report.adapterName {
            lines.append("adapter \(adapter); by module: " + report.byModule.map { "\($0.module) \(f($0.count))" }.joined(separator: ", "))
            lines.append("by layer: " + report.byLayer.map { "\($0.layer) \(f($0.count))" }.joined(separator: ", "))
            html += "<p>adapter " + HTML.escaped(adapter) + "</p>"
                + HTML.table(header: ["module", "trainable"], rows: report.byModule.map { [$0.module, f($0.count)] })
                + HTML.table(header: ["layer", "trainable"], rows: report.byLayer.map { [String($0.layer), f($0.count)] })
        } else {
            lines.append("no active adapter: full fine-tuning trains every weight")
            html += "<p>" + HTML.escaped(lines[1]) + "</p>"
        }
        context.show(Display(text: lines.joined(separator: "\n"), html: html))
        return .record(Record("params", [("trainable", .int(report.trainable)), ("total", .int(report.total)), ("share", .float(report.share))]))
    }
}

/// `save adapter PATH [format=peft|gguf]`.
public enum SaveAdapterCommand: Command {
    static let path = Arg<String>.positional("path", .path(extensions: []),
        help: "the directory (peft: adapter_config.json + adapter_model.safetensors) or .gguf file to write")
    static let format = Arg<String>.option("format", .choice(["peft", "gguf"]),
        help: "peft: Hugging Face PEFT's layout; gguf: the file llama.cpp's --lora reads (default: gguf for a path ending in .gguf, else peft)")
    static let name = Arg<String>.option("name", .word, help: "which adapter (default: the active one)")

    public static let spec = CommandSpec(
        ["save", "adapter"], summary: "save an adapter for PEFT (a directory) or llama.cpp (a GGUF file)",
        discussion: """
            Only the adapter's own tensors are written: a few megabytes instead of the whole model. \
            For PEFT, the model's template is saved beside it as chat_template.jinja, the file \
            transformers reads a chat template from, and `load adapter` takes it back. \
            q/k rows are written in each format's rotary layout whatever the model was loaded from. \
            An rsLoRA adapter written as GGUF has √r folded into alpha, since llama.cpp scales by alpha/r.
            """,
        category: .adapters, arguments: [path.spec, format.spec, name.spec],
        examples: [.init("save adapter out/my-lora", "for PeftModel.from_pretrained"),
                   .init("save adapter out/my-lora.gguf", "for llama.cpp --lora")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let (handle, set) = try AdapterReference.set(nil, in: context, range: nil)
        let adapterName = arguments.optional(name) ?? set.activeName
        guard let adapterName, let adapter = set.adapter(named: adapterName) else {
            if let wanted = arguments.optional(name) { throw AdapterReference.error(set.unknown(wanted), context, at: arguments.range(of: name)) }
            throw HoneError(.value, "\(handle.name) has no adapter to save", at: context.call.range, hints: ["`lora r=8` adds one"])
        }
        let target = context.resolve(path: arguments[path])
        let chosen = arguments.optional(format) ?? (target.lowercased().hasSuffix(".gguf") ? "gguf" : "peft")
        let weights = try adapter.fileWeights(for: handle.model, baseModel: handle.source)
        if chosen == "gguf" {
            guard let llama = handle.model as? LlamaModel else {
                throw HoneError(.value, "GGUF adapters are written for Llama-family models", at: arguments.range(of: format) ?? context.call.range,
                                hints: ["save it with format=peft"])
            }
            try GGUFAdapterFile.write(weights, configuration: llama.configuration, to: target, name: adapter.name)
        } else {
            try PEFTAdapterFile.write(weights, to: target)
            if let text = handle.chatTemplateText {
                try ChatTemplateFiles.writeJinja(text, directory: target)
                context.say("chat template: \(handle.template!.name), as \(ChatTemplateFiles.jinjaFileName) beside the adapter")
            }
        }
        context.say("saved adapter \(adapter.name) to \(arguments[path]) (\(chosen == "gguf" ? "GGUF for llama.cpp" : "PEFT"), "
                    + "\(ShowModelCommand.formatted(adapter.parameterCount)) parameters)")
        return .string(target)
    }
}

/// `load adapter PATH [as NAME]`.
public enum LoadAdapterCommand: Command {
    static let path = Arg<String>.positional("path", .path(extensions: []), help: "a PEFT adapter directory or a llama.cpp GGUF adapter")
    static let name = Arg<String>.clause("as", .name, help: "the adapter's name (default: `default`)")

    public static let spec = CommandSpec(
        ["load", "adapter"], summary: "load a PEFT or GGUF adapter onto the current model",
        discussion: "The adapter must fit the model: a module it lacks or a tensor of another shape is refused, naming it and both shapes. It becomes the active adapter.",
        category: .adapters, arguments: [path.spec, name.spec],
        examples: [.init("load adapter ../shared/models/stories260K-peft-lora", "an adapter trained with Hugging Face PEFT")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let (handle, set) = try AdapterReference.set(nil, in: context, range: nil)
        let source = context.resolve(path: arguments[path])
        let weights: AdapterWeights
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), !isDirectory.boolValue {
            weights = try GGUFAdapterFile.read(path: source)
        } else {
            weights = try PEFTAdapterFile.read(directory: source)
        }
        let adapterName = arguments.optional(name) ?? "default"
        do {
            let adapter = try LoRAAdapter.from(weights, name: adapterName, on: handle.model)
            try set.add(adapter)
            context.say("loaded adapter \(adapterName) onto \(handle.name): \(AdapterReference.describe(adapter)), "
                        + "\(adapter.layers.count) modules, \(ShowModelCommand.formatted(adapter.parameterCount)) parameters")
            if isDirectory.boolValue, let text = try? ChatTemplateFiles.read(directory: source).template {
                handle.adoptChatTemplate(text, from: "the adapter folder", in: context)
            }
        } catch let error as AdapterError {
            throw AdapterReference.error(error, context, at: arguments.range(of: path))
        }
        return .string(adapterName)
    }
}

/// `quantize nf4|q8_0|q4_0`: QLoRA's frozen base.
public enum QuantizeCommand: Command {
    static let format = Arg<String>.positional("format", .choice(QuantizationFormat.allCases.map(\.rawValue)),
        help: "nf4 (QLoRA's 4-bit NormalFloat, blocks of 64, double-quantised scales), q8_0 or q4_0 (GGUF's, blocks of 32)")
    static let model = Arg<String>.option("model", .word, help: "which model (default: the current model)")

    public static let spec = CommandSpec(
        ["quantize"], summary: "store the model's linear weights in 4 or 8 bits (QLoRA's frozen base)",
        discussion: """
            The linear layers inside the blocks are stored quantised and dequantised on the fly; \
            embeddings, the output head and norms stay float32, as QLoRA keeps them. Adapters on \
            top still train in float32. Prints the memory before and after, and any weight kept in \
            float32 (Q8_0/Q4_0 need rows that are a multiple of 32).
            """,
        category: .adapters, arguments: [format.spec, model.spec],
        examples: [.init("quantize nf4", "then `lora …`: that is QLoRA")], isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(model), in: context, range: arguments.range(of: model))
        let chosen = QuantizationFormat(rawValue: arguments[format]) ?? .nf4
        let result: QuantizationReport
        do { result = try BaseQuantizer.quantize(handle.model, format: chosen) } catch let error as AdapterError { throw AdapterReference.error(error, context) }
        report(result, handle: handle, context: context)
        return .record(Record("quantization", [("format", .string(chosen.rawValue)), ("quantized", .int(result.quantized.count)),
                                               ("kept_float", .int(result.keptFloat.count)),
                                               ("bytes_before", .int(result.bytesBefore)), ("bytes_after", .int(result.bytesAfter))]))
    }

    static func report(_ report: QuantizationReport, handle: ModelHandle, context: CommandContext) {
        context.say("quantized \(report.quantized.count) linear weights of \(handle.name) to \(report.format.rawValue): weights "
                    + "\(ModelHandle.bytes(report.bytesBefore)) → \(ModelHandle.bytes(report.bytesAfter))")
        if !report.keptFloat.isEmpty {
            context.say("kept in float32 (\(report.keptFloat.count)): " + report.keptFloat.prefix(5).map { "\($0.name) (\($0.reason))" }.joined(separator: "; ")
                        + (report.keptFloat.count > 5 ? "; …" : ""))
        }
    }
}

/// `qlora …`: quantise the base to NF4, then add LoRA.
public enum QLoraCommand: Command {
    public static let spec = CommandSpec(
        ["qlora"], summary: "quantise the base to NF4, then add a LoRA adapter (QLoRA)",
        discussion: "The same arguments as `lora`. The base's linear weights take about 0.52 bytes a parameter instead of 4; the adapter trains in float32.",
        category: .adapters, arguments: LoraCommand.arguments,
        examples: [.init("qlora r=16 alpha=32 targets=all-linear", "QLoRA as the paper sets it up")], isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(LoraCommand.model), in: context, range: arguments.range(of: LoraCommand.model))
        do {
            let report = try BaseQuantizer.quantize(handle.model, format: .nf4)
            QuantizeCommand.report(report, handle: handle, context: context)
        } catch let error as AdapterError { throw AdapterReference.error(error, context) }
        return try LoraCommand.add(arguments, in: context, dora: arguments[LoraCommand.dora])
    }
}
