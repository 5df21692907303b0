import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import HoneTrain

/// Gathers a session into an `ExportPlan` for `export trl` and `export axolotl`, and writes the
/// directory the tool's export makes from it.
enum ExportSession {
    typealias A = TrainingArguments
    typealias E = ExportArguments

    static func run(_ arguments: BoundArguments, tool: String, in context: CommandContext) throws -> Value {
        let plan = try plan(arguments, in: context)
        let files: ExportFiles
        switch Result(catching: { () throws(ExportError) -> ExportFiles in
            tool == "trl" ? try TRLExport.files(for: plan) : try AxolotlExport.files(for: plan)
        }) {
        case .success(let written): files = written
        case .failure(let error):
            throw HoneError(.value, "cannot export to \(tool == "trl" ? "TRL" : "Axolotl"): " + error.message, at: context.call.range, hints: error.hints)
        }
        let target = context.resolve(path: arguments[E.directory])
        try write(files, to: target, range: arguments.range(of: E.directory) ?? context.call.range)
        // The directory as the user wrote it, so a notebook's output does not depend on where it ran.
        let written = arguments[E.directory]
        let model = plan.model.isHubID ? plan.model.reference : (plan.model.reference as NSString).lastPathComponent
        context.say("exported \(plan.recipe.rawValue) (\(plan.method.rawValue)) of \(model) on \(plan.dataName) "
                    + "(\(plan.train.count) examples\(plan.validation.isEmpty ? "" : ", \(plan.validation.count) for validation")) to \(written) for \(tool == "trl" ? "TRL" : "Axolotl")")
        context.show(tool == "trl" ? "  run: cd \(written) && python train.py   (several GPUs: accelerate launch --config_file accelerate/ddp.yaml train.py)"
                                   : "  run: cd \(written) && axolotl train config.yml")
        return .string(target)
    }

    static func plan(_ arguments: BoundArguments, in context: CommandContext) throws -> ExportPlan {
        let workspace = context.session.workspace
        let handle = try ModelReference.resolve(arguments.optional(A.model), in: context, range: arguments.range(of: A.model))
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        let lastRun = workspace.runs.last { $0.modelName == handle.name } ?? workspace.runs.last
        let previous = lastRun?.configuration
        let recipe = arguments.optional(E.recipe).map { Recipe(rawValue: $0)! } ?? previous.map(Recipe.of) ?? .sft
        // The last run's settings carry over only to an export of the same recipe.
        let base = previous.flatMap { Recipe.of($0) == recipe ? $0 : nil }

        let model = try exportedModel(handle, range: arguments.range(of: A.model) ?? context.call.range, in: context)
        let adapter = (handle.model.linearHook as? AdapterSet)?.active
        let methodWord = arguments.optional(E.method) ?? base.map { $0.settings.method == .full ? "full" : "adapter" } ?? "adapter"
        try TrainCommand.checkMethod(methodWord, handle: handle, context: context, range: arguments.range(of: E.method))
        let lora = methodWord == "full" ? nil : adapter?.settings ?? base?.adapter?.settings
        let method: ExportPlan.Method = switch methodWord {
        case "full": .full
        case "qlora": .qlora
        case "dora": .dora
        case "lora": .lora
        default: !handle.model.quantizedWeights.isEmpty ? .qlora : (lora?.dora ?? false) ? .dora : .lora
        }
        if method == .qlora, let format = handle.model.quantizedWeights.values.first?.format, format != .nf4 {
            throw HoneError(.value, "cannot export: the base weights are quantised to \(format.rawValue); the tools' QLoRA is NF4 only (bitsandbytes)",
                            at: context.call.range, hints: ["quantise with `qlora … format=nf4`, or load the model again and export method=lora"])
        }

        var settings = try overriding(base?.settings, recipe: recipe, method: method == .full ? .full : .adapter, arguments, in: context)
        settings.sequenceLength = min(settings.sequenceLength, handle.model.contextLength)
        let preference: PreferenceLossSettings? = recipe.usesPreferencePairs && recipe != .reward ? {
            var p = base?.preference ?? PreferenceLossSettings(kind: recipe == .dpo ? "sigmoid" : recipe.rawValue, beta: recipe.defaultBeta ?? 0.1)
            if let b = arguments.optional(E.beta) { p.beta = b }
            if recipe == .dpo, let l = arguments.optional(PreferenceTraining.loss) { p.kind = l }
            if let e = arguments.optional(PreferenceTraining.labelSmoothing) { p.labelSmoothing = e }
            if let g = arguments.optional(PreferenceTraining.gamma) { p.gamma = g }
            return p
        }() : nil
        var grpo: GRPOSettings?
        if recipe == .grpo {
            let ruleText = arguments.optional(E.reward) ?? base?.grpo?.reward.description
            guard let ruleText else {
                throw HoneError(.value, "recipe=grpo needs a reward", at: context.call.range, hints: ["give reward=contains:WORD or reward=max_length:N"])
            }
            guard let rule = RewardRule(parsing: ruleText) else {
                throw HoneError(.value, "`\(ruleText)` is not a reward", at: arguments.range(of: E.reward) ?? context.call.range,
                                hints: ["write contains:WORD or max_length:N"])
            }
            grpo = GRPOSettings(reward: rule, group: arguments.optional(GRPOCommand.group) ?? base?.grpo?.group ?? 8,
                                maxNewTokens: arguments.optional(ReinforcementRun.maxTokens) ?? base?.grpo?.maxNewTokens ?? 32,
                                temperature: arguments.optional(ReinforcementRun.temperature) ?? base?.grpo?.temperature ?? 1)
        }

        // The data: named, else the last run's (when it is of this recipe), else the newest of the
        // kind the recipe reads.
        let dataName = arguments.optional(E.data) ?? base.flatMap { workspace.dataSet(named: $0.data.name) != nil ? $0.data.name : nil }
        let data = recipe.usesPreferencePairs
            ? try PreferenceTraining.preferenceData(dataName, in: context, range: arguments.range(of: E.data))
            : try TrainingData.training(dataName, in: context, range: arguments.range(of: E.data))
        let valName = arguments.optional(A.val) ?? base?.validation.flatMap { workspace.dataSet(named: $0.name) != nil ? $0.name : nil }
        let validation = try TrainingData.validation(valName, beside: data, in: context, range: arguments.range(of: A.val))
        let template = TrainingRunner.template(for: handle, in: context)
        let train = try examples(data, recipe: recipe, template: template, handle: handle, in: context)
        let held = try validation.map { try examples($0, recipe: recipe, template: template, handle: handle, in: context) } ?? []
        let special = tokenizer.specialTokens
        var plan = ExportPlan(model: model, recipe: recipe, method: method, lora: lora, settings: settings, preference: preference, grpo: grpo,
                          template: TrainingRunner.describe(template), dataName: data.name, validationName: held.isEmpty ? nil : validation?.name,
                          train: train, validation: held, hasBOS: special.bos != nil, hasEOS: special.eos != nil)
        plan.specialTokenTexts = [special.bos, special.eos, special.pad, special.unk].compactMap { $0?.text } + special.others.map(\.text)
        plan.templateParsesSpecialTokens = template.usesSpecialTokens
        return plan
    }

    /// The model as the tools name it, or why they cannot load it.
    static func exportedModel(_ handle: ModelHandle, range: SourceRange, in context: CommandContext) throws -> ExportPlan.Model {
        let loaded = handle.loaded
        guard loaded.format == .huggingFace else {
            throw HoneError(.value, "cannot export: \(handle.name) was loaded from a \(loaded.format == .gguf ? "GGUF file" : "llama2.c checkpoint") (\(loaded.path)), "
                            + "which TRL and Axolotl cannot train from", at: range,
                            hints: ["load the model's Hugging Face directory (config.json and safetensors) or its hub id (`load model hf:ORG/NAME`)",
                                    "or `save model DIR format=hf` and load that"])
        }
        var architecture = handle.model.architecture.rawValue
        if let data = FileManager.default.contents(atPath: loaded.path + "/config.json"),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let names = object["architectures"] as? [String], let first = names.first {
            architecture = first
        }
        if handle.source.hasPrefix(HubReference.scheme), let reference = try? HubReference(parsing: handle.source), reference.file == nil {
            return .init(reference: reference.repository, isHubID: true, architecture: architecture)
        }
        return .init(reference: URL(fileURLWithPath: loaded.path).standardizedFileURL.path, isHubID: false, architecture: architecture)
    }

    /// The run's settings: `previous` (the last run's, for the same recipe) or the recipe's
    /// defaults, with every argument given here written over them.
    static func overriding(_ previous: TrainingSettings?, recipe: Recipe, method: TrainingMethod,
                           _ arguments: BoundArguments, in context: CommandContext) throws -> TrainingSettings {
        var s = try previous ?? A.settings(BoundArguments(), recipe: recipe, in: context)
        s.method = method
        if arguments.contains(A.steps) && arguments.contains(A.epochs) {
            throw HoneError(.value, "give steps= or epochs=, not both", at: arguments.range(of: A.epochs) ?? context.call.range)
        }
        if let v = arguments.optional(A.steps) { s.steps = v; s.epochs = nil }
        if let v = arguments.optional(A.epochs) { s.epochs = v; s.steps = nil }
        if let v = arguments.optional(E.lr) { s.learningRate = v } else if previous == nil || previous!.method != method {
            s.learningRate = recipe.defaultLearningRate(method: method)
        }
        if let v = arguments.optional(A.batch) { s.batchSize = v }
        if let v = arguments.optional(A.accumulate) { s.accumulate = v }
        if let v = arguments.optional(A.seq) { s.sequenceLength = v }
        if let v = arguments.optional(A.schedule) { s.schedule = ScheduleKind(rawValue: v)! }
        if let v = arguments.optional(A.warmup) { s.warmupSteps = v }
        if let v = arguments.optional(A.optimizer) { s.optimizer = OptimizerKind(rawValue: v)! }
        if let v = arguments.optional(A.weightDecay) { s.weightDecay = v }
        if let v = arguments.optional(A.clip) { s.maxGradientNorm = v }
        if let v = arguments.optional(A.evalEvery) { s.evalEvery = v }
        if let v = arguments.optional(A.patience) { s.patience = v }
        if let v = arguments.optional(A.saveEvery) { s.saveEvery = v }
        if let v = arguments.optional(A.trainOn) { s.trainOnAll = v == "all" }
        if let v = arguments.optional(A.checkpointing) { s.gradientCheckpointing = v }
        if let v = arguments.optional(A.seed) { s.seed = UInt64(v) }
        // `precision=` or the session's, resolved by the registry for every command.
        if previous == nil || arguments.contains(PrecisionChoice.argument) { s.precision = Precision.current }
        return s
    }

    /// The records of `data` as the tools read them, rendered with `template` as hone's run would.
    static func examples(_ data: DataSetHandle, recipe: Recipe, template: PromptTemplate, handle: ModelHandle,
                         in context: CommandContext) throws -> [ExportPlan.Example] {
        if recipe == .grpo {
            return try GRPOCommand.promptTexts(data, handle: handle, context: context).map { .prompt($0) }
        }
        var out: [ExportPlan.Example] = []
        for (index, record) in data.data.records.enumerated() {
            let line: Int? = index < data.data.lines.count ? data.data.lines[index] : nil
            func fail(_ error: Error) -> HoneError {
                HoneError(.value, "\(data.name)\(line.map { " line \($0)" } ?? " record \(index + 1)"): the template \(template.name) cannot render it: \(error)",
                          at: context.call.range)
            }
            if recipe.usesPreferencePairs {
                guard case .preference(let prompt, let chosen, let rejected, let history) = record else { continue }
                let turn: DataRecord = history.isEmpty ? .instruction(instruction: prompt, input: "", output: "")
                                                       : .chat(history + [ChatMessage(role: "user", content: prompt)])
                do { out.append(.pair(prompt: try template.rendered(turn).prompt, chosen: chosen, rejected: rejected)) } catch { throw fail(error) }
            } else {
                if case .preference = record { continue }
                do {
                    let (prompt, completion) = try template.rendered(record)
                    out.append(.completion(prompt: prompt, completion: completion))
                } catch { throw fail(error) }
            }
        }
        return out
    }

    /// Writes `files` into a fresh directory beside `target`, then puts it in `target`'s place.
    /// Only an earlier export (it has hone.json) or an empty directory is replaced, so a slip
    /// such as `export trl .` cannot delete a folder of the user's.
    static func write(_ files: ExportFiles, to target: String, range: SourceRange) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: target, isDirectory: &isDirectory) {
            let contents = isDirectory.boolValue ? (try? fm.contentsOfDirectory(atPath: target)) ?? [] : [""]
            guard contents.isEmpty || contents.contains("hone.json") else {
                throw HoneError(.value, "`\(target)` exists and is not an earlier export (it has no hone.json); export replaces only its own directories",
                                at: range, hints: ["give a new directory, or remove `\(target)` yourself"])
            }
        }
        let parent = (target as NSString).deletingLastPathComponent
        let staging = (parent.isEmpty ? "." : parent) + "/.\((target as NSString).lastPathComponent).export-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try? fm.removeItem(atPath: staging)
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
            for (path, contents) in files.files {
                let full = staging + "/" + path
                try fm.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(contents.utf8).write(to: URL(fileURLWithPath: full), options: .atomic)
            }
            if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
            try fm.moveItem(atPath: staging, toPath: target)
        } catch {
            try? fm.removeItem(atPath: staging)
            throw HoneError(.io, "cannot write the export to `\(target)`", at: range, cause: error.localizedDescription)
        }
    }
}
