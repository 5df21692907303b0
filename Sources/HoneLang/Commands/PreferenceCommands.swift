import Foundation
import HoneModels
import HonePEFT
import HoneTrain

/// `dpo`, `orpo` and `simpo`: preference optimisation of the active adapter (or every weight)
/// on prompt/chosen/rejected data, with `train`'s progress line, runs, checkpoints, Ctrl-C and
/// resume.
enum PreferenceTraining {
    typealias A = TrainingArguments
    /// `beta=`, with the recipe's own default (`Recipe.defaultBeta`).
    static func beta(_ recipe: Recipe) -> Arg<Double> {
        .option("beta", .float(0.0001...100), help: recipe == .simpo
            ? "the scale of the length-normalised log-prob difference (default \(recipe.defaultBeta ?? 0), the SimPO authors'; TRL's CPO uses 0.1)"
            : "how far from the reference the policy may move (default \(recipe.defaultBeta ?? 0), TRL's)")
    }
    static let loss = Arg<String>.option(PreferenceLossSettings.lossSetting)
    static let labelSmoothing = Arg<Double>.option(PreferenceLossSettings.labelSmoothingSetting)
    static let gamma = Arg<Double>.option(PreferenceLossSettings.gammaSetting)

    static func shared(_ recipe: Recipe) -> [ArgumentSpec] { [A.data.spec, A.steps.spec, A.epochs.spec, A.lr(recipe).spec, A.batch.spec, A.accumulate.spec, A.seq.spec,
                                          A.val.spec, A.evalEvery.spec, A.patience.spec, A.saveEvery.spec, A.method.spec, A.schedule.spec,
                                          A.warmup.spec, A.optimizer.spec, A.weightDecay.spec, A.clip.spec, A.seed.spec, PrecisionChoice.argument.spec, A.model.spec, A.name.spec] }

    static func run(_ arguments: BoundArguments, kind: String, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(A.model), in: context, range: arguments.range(of: A.model))
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        let recipe = Recipe(rawValue: kind) ?? .dpo
        var settings = try A.settings(arguments, recipe: recipe, in: context)
        settings.sequenceLength = min(settings.sequenceLength, handle.model.contextLength)
        try TrainCommand.checkMethod(arguments[A.method], handle: handle, context: context, range: arguments.range(of: A.method))
        // Each command declares only its own loss arguments; the others keep their defaults.
        let preference = PreferenceLossSettings(kind: kind == "dpo" ? arguments.optional(loss) ?? "sigmoid" : kind,
                                                beta: arguments.optional(beta(recipe)) ?? recipe.defaultBeta ?? 0.1,
                                                labelSmoothing: arguments.optional(labelSmoothing) ?? 0, gamma: arguments.optional(gamma) ?? 0.5)
        let data = try preferenceData(arguments.optional(A.data), in: context, range: arguments.range(of: A.data))
        var validation = try TrainingData.validation(arguments.optional(A.val), beside: data, in: context, range: arguments.range(of: A.val))
        let template = TrainingRunner.template(for: handle, in: context)
        let (parameters, adapter) = try TrainingRunner.parameters(of: handle, method: settings.method, in: context)
        let tokenized = PreferencePair.tokenize(data.data, template: template, tokenizer: tokenizer, maxLength: settings.sequenceLength)
        if tokenized.notPreference > 0 { context.say("warning: \(tokenized.notPreference) records of \(data.name) are not preference pairs and were skipped") }
        if tokenized.tooLong > 0 { context.say("warning: \(tokenized.tooLong) pairs lost an answer to seq=\(settings.sequenceLength) and were dropped") }
        guard !tokenized.pairs.isEmpty else {
            throw HoneError(.value, "\(data.name) has no preference pairs to train on", at: context.call.range,
                            hints: ["preference data has prompt, chosen and rejected fields: `load data PATH format=preference`"])
        }
        if settings.patience != nil && validation == nil {
            throw HoneError(.value, "patience= needs validation pairs", at: arguments.range(of: A.patience) ?? context.call.range,
                            hints: ["give val=NAME, or `split NAME val=0.1` first"])
        }
        let held = validation.map { PreferencePair.tokenize($0.data, template: template, tokenizer: tokenizer, maxLength: settings.sequenceLength).pairs } ?? []
        if let v = validation, held.isEmpty {
            context.say("warning: \(v.name) has no pairs that fit seq=\(settings.sequenceLength); training without validation")
            validation = nil
        }
        if !held.isEmpty && settings.evalEvery == nil {
            let total = settings.steps ?? max(1, Int((Double((tokenized.pairs.count + settings.batchSize - 1) / settings.batchSize)
                                                     / Double(settings.accumulate) * (settings.epochs ?? 1)).rounded(.up)))
            settings.evalEvery = max(1, total / 10)
        }
        let longest = tokenized.pairs.map { $0.prompt.count + max($0.chosen.count, $0.rejected.count) }.max() ?? settings.sequenceLength
        var memorySettings = settings
        memorySettings.batchSize *= 2  // chosen and rejected run together
        let memory = TrainingMemory(model: handle.model, trainable: parameters.reduce(0) { $0 + $1.tensor.count }, settings: memorySettings, sequenceLength: longest)
        if let available = TrainingMemory.available(), memory.additional > available {
            throw HoneError(.value, "this run needs about \(ModelHandle.bytes(memory.additional)) beside the loaded weights, and \(ModelHandle.bytes(available)) is free",
                            at: context.call.range, hints: memory.parts.map { "\($0.name): \(ModelHandle.bytes($0.bytes))" } + ["lower batch= or seq="])
        }

        let runName = try TrainingData.runName(arguments.optional(A.name), in: context, range: arguments.range(of: A.name))
        let runPath = TrainingData.runsDirectory(in: context) + "/" + runName
        let padID = tokenizer.specialTokens.pad?.id ?? 0
        let objective = PreferenceObjective(pairs: tokenized.pairs, loss: preference.loss, model: handle.model, padID: padID, batchSize: settings.batchSize)
        if !held.isEmpty { objective.holdOut(held, model: handle.model, batchSize: settings.batchSize) }
        let trainer: Trainer
        do {
            trainer = try Trainer(model: handle.model, parameters: parameters, objective: objective, settings: settings,
                                  dropoutLayers: adapter?.layers ?? [], padID: padID)
        } catch let error as TrainingError {
            throw HoneError(.value, error.description, at: context.call.range)
        }
        var configuration = RunConfiguration(
            name: runName, model: TrainingData.describe(handle), adapter: adapter.map { .init(name: $0.name, settings: $0.settings) },
            data: TrainingData.describe(data, examples: tokenized.pairs.count, fingerprint: dataFingerprint(tokenized.pairs)),
            validation: validation.map { TrainingData.describe($0, examples: held.count, fingerprint: dataFingerprint(held)) },
            template: TrainingRunner.describe(template), settings: settings, totalSteps: trainer.totalSteps,
            trainableParameters: parameters.reduce(0) { $0 + $1.tensor.count }, noWeightDecay: trainer.undecayedParameterNames)
        configuration.preference = preference
        let log = try RunLog(path: runPath)
        try log.write(configuration, as: RunLog.configurationName)
        try log.writePairs(tokenized.pairs, as: TrainingData.trainPairsName)
        if !held.isEmpty { try log.writePairs(held, as: TrainingData.validationPairsName) }

        let loop = TrainingLoop(trainer: trainer, log: log)
        if !held.isEmpty { loop.validator = { objective.evaluateHeldOut(model: handle.model, batchSize: settings.batchSize) } }
        let run = TrainingRunner.register(configuration, path: runPath, handle: handle, loop: loop, asVariable: arguments.contains(A.name), in: context)
        let what = adapter.map { "adapter \($0.name)" } ?? "every weight"
        context.say("\(preference.description): training \(what) of \(handle.name) on \(data.name) (\(tokenized.pairs.count) pairs"
                    + (validation.map { ", validating on \($0.name)" } ?? "") + "), template \(template.name): "
                    + "\(trainer.totalSteps) steps of \(settings.batchSize)×\(settings.accumulate), lr \(Value.float(settings.learningRate).repr); run \(runName)"
                    + (preference.loss.needsReference ? "; the reference is \(handle.name) \(adapter == nil ? "before training" : "with the adapter disabled")" : ""))
        return try TrainingRunner.run(run, loop: loop, handle: handle, tokenizer: tokenizer, template: template, in: context)
    }

    /// `resume` of `dpo`, `orpo` and `simpo`, which differ only in the recorded loss. The
    /// reference log-probs come from the model as loaded, before the checkpoint: the base with
    /// the adapter disabled, or for method=full the weights training started from.
    static func resumedObjective(_ run: ResumeCommand.RecordedRun) throws -> ResumeCommand.RecordedRun.Objective {
        guard let preference = run.configuration.preference else {
            throw HoneError(.value, "\(run.path)/config.json records no preference loss", at: run.context.call.range)
        }
        let (parameters, adapter) = try run.parameters()
        let pairs = try run.log.readPairs(TrainingData.trainPairsName)
        try run.checkFingerprint(dataFingerprint(pairs), of: TrainingData.trainPairsName)
        let (model, settings, padID) = (run.handle.model, run.settings, run.padID)
        let objective = PreferenceObjective(pairs: pairs, loss: preference.loss, model: model, padID: padID, batchSize: settings.batchSize)
        var validator: (() -> (loss: Double, figures: [String: Double]))?
        if run.configuration.validation != nil {
            objective.holdOut(try run.log.readPairs(TrainingData.validationPairsName), model: model, batchSize: settings.batchSize)
            validator = { objective.evaluateHeldOut(model: model, batchSize: settings.batchSize) }
        }
        let trainer = try Trainer(model: model, parameters: parameters, objective: objective, settings: settings,
                                  dropoutLayers: adapter?.layers ?? [], padID: padID)
        return .init(trainer: trainer, validator: validator)
    }

    /// The named data set, or the newest preference data set (its `.train` part after `split`).
    static func preferenceData(_ name: String?, in context: CommandContext, range: SourceRange?) throws -> DataSetHandle {
        if let name { return try DataReference.resolve(name, in: context, range: range) }
        let workspace = context.session.workspace
        guard var chosen = workspace.dataSets.last(where: { $0.data.format == .preference && !$0.name.hasSuffix(".val") && !$0.name.hasSuffix(".test") }) else {
            throw HoneError(.value, "no preference data loaded", at: context.call.range,
                            hints: ["`load data PATH` loads prompt/chosen/rejected records (JSON or JSONL)"])
        }
        if let train = workspace.dataSet(named: chosen.name + ".train") { chosen = train }
        return chosen
    }
}

public enum DPOCommand: TrainingCommand {
    static let recipe = Recipe.dpo

    static func resumedObjective(_ run: ResumeCommand.RecordedRun) throws -> ResumeCommand.RecordedRun.Objective {
        try PreferenceTraining.resumedObjective(run)
    }

    public static let spec = CommandSpec(
        ["dpo"], summary: "direct preference optimisation on prompt/chosen/rejected pairs",
        discussion: """
            Raises the probability of each chosen answer relative to the rejected one, measured \
            against a reference: the same model with its adapter disabled (or, for method=full, \
            as it was before training), whose log-probabilities are computed once before the \
            first step, so no second model is held. loss=sigmoid is DPO (label_smoothing>0 makes \
            it conservative DPO), ipo normalises each side by its length, hinge and robust are \
            the RSO and robust-DPO variants. The progress line shows the preference accuracy and \
            the reward margin TRL reports (rewards are β·(policy − reference) log-probs; negative \
            rewards are normal). Arguments and runs are `train`'s; the default lr is TRL's advice \
            (see lr=).
            """,
        category: .training, arguments: PreferenceTraining.shared(.dpo) + [PreferenceTraining.beta(.dpo).spec, PreferenceTraining.loss.spec, PreferenceTraining.labelSmoothing.spec],
        examples: [.init("dpo prefs.train beta=0.1 steps=100 lr=5e-6", "DPO on the train part, validating on prefs.val"),
                   .init("dpo loss=ipo beta=0.5", "IPO on the newest preference data")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        try PreferenceTraining.run(arguments, kind: "dpo", in: context)
    }
}

public enum ORPOCommand: TrainingCommand {
    static let recipe = Recipe.orpo

    static func resumedObjective(_ run: ResumeCommand.RecordedRun) throws -> ResumeCommand.RecordedRun.Objective {
        try PreferenceTraining.resumedObjective(run)
    }

    public static let spec = CommandSpec(
        ["orpo"], summary: "odds-ratio preference optimisation: SFT plus a preference term",
        discussion: """
            No reference model: the loss is the chosen answer's language-model loss minus β times \
            the log-sigmoid of the log-odds ratio between the chosen and rejected answers \
            (length-averaged log-probabilities), as TRL's ORPO. Arguments and runs are `train`'s.
            """,
        category: .training, arguments: PreferenceTraining.shared(.orpo) + [PreferenceTraining.beta(.orpo).spec],
        examples: [.init("orpo prefs.train beta=0.1 steps=100", "ORPO with TRL's β")], isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        try PreferenceTraining.run(arguments, kind: "orpo", in: context)
    }
}

public enum SimPOCommand: TrainingCommand {
    static let recipe = Recipe.simpo

    static func resumedObjective(_ run: ResumeCommand.RecordedRun) throws -> ResumeCommand.RecordedRun.Objective {
        try PreferenceTraining.resumedObjective(run)
    }

    public static let spec = CommandSpec(
        ["simpo"], summary: "simple preference optimisation: length-normalised, with a margin",
        discussion: """
            No reference model: −log σ(β·(mean log-prob of chosen − of rejected) − γ). The \
            default β is the SimPO authors' (TRL's is 0.1); gamma= is the target margin. \
            Arguments and runs are `train`'s.
            """,
        category: .training, arguments: PreferenceTraining.shared(.simpo) + [PreferenceTraining.beta(.simpo).spec, PreferenceTraining.gamma.spec],
        examples: [.init("simpo prefs.train beta=2.5 gamma=1.375", "the authors' Llama-3 settings")], isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        try PreferenceTraining.run(arguments, kind: "simpo", in: context)
    }
}
