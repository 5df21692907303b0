import Foundation
import HoneModels
import HonePEFT
import HoneTrain

/// `train [DATA] …`: supervised fine-tuning of the active adapter or every weight.
public enum TrainCommand: TrainingCommand {
    typealias A = TrainingArguments
    /// Not a training setting, so it has no declared default to record: absent is false.
    static let snapshot = Arg<Bool>.option("snapshot", .bool,
        help: "take a snapshot (auto_before_RUN) before training changes any weight; `snapshot restore last` goes back to it (default false)")

    public static let spec = CommandSpec(
        ["train"], summary: "fine-tune the active adapter (or every weight) on a data set",
        discussion: """
            Each record is rendered with the model's template (`template …`; alpaca by default), \
            tokenised with the prompt and completion kept apart, and trained on the completion and \
            its EOS only (train_on=all includes the prompt). Every step takes `accumulate` \
            micro-batches of `batch` examples; the loss is summed cross-entropy over the target \
            tokens of the whole step, divided by their number. AdamW is PyTorch's; biases and \
            norm weights get no weight decay, as in Hugging Face's Trainer; gradients are clipped \
            to norm 1. With val=, the validation loss is computed every eval_every steps; \
            patience= stops early and keeps the best weights; a rising validation loss while the \
            training loss falls is reported as likely overfitting. The run goes to \
            RUNS_DIR/NAME (`set runs_dir=…`): config.json, metrics.jsonl, checkpoints every \
            save_every steps and at the end, and, for adapters, the trained adapter in PEFT's \
            format. Ctrl-C stops after the current step and keeps everything; `resume NAME` \
            continues, also in a new process. A NaN loss stops training and puts the last good \
            weights back. The memory the run needs is estimated first (`show memory`), and a \
            run that would not fit is refused. Returns the run.
            """,
        category: .training,
        arguments: [A.data.spec, A.steps.spec, A.epochs.spec, A.lr(.sft).spec, A.batch.spec, A.accumulate.spec, A.seq.spec, A.val.spec,
                    A.evalEvery.spec, A.patience.spec, A.saveEvery.spec, A.sampleEvery.spec, A.samples.spec, A.method.spec,
                    A.schedule.spec, A.warmup.spec, A.optimizer.spec, A.weightDecay.spec, A.momentum.spec, A.clip.spec,
                    A.trainOn.spec, A.checkpointing.spec, A.seed.spec, PrecisionChoice.argument.spec, A.model.spec, snapshot.spec, A.name.spec],
        examples: [.init("train stories.train epochs=3 lr=2e-4 batch=8", "three passes, validating on stories.val when it exists"),
                   .init("train steps=200 val=stories.val eval_every=20 patience=3", "stop when validation loss stops falling"),
                   .init("let r = train method=full steps=50 lr=5e-5 as full_ft", "every weight, kept as `r` for `compare`")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let workspace = context.session.workspace
        let handle = try ModelReference.resolve(arguments.optional(A.model), in: context, range: arguments.range(of: A.model))
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        var settings = try A.settings(arguments, in: context)
        settings.sequenceLength = min(settings.sequenceLength, handle.model.contextLength)
        try checkMethod(arguments[A.method], handle: handle, context: context, range: arguments.range(of: A.method))
        let data = try TrainingData.training(arguments.optional(A.data), in: context, range: arguments.range(of: A.data))
        var validation = try TrainingData.validation(arguments.optional(A.val), beside: data, in: context, range: arguments.range(of: A.val))
        let template = TrainingRunner.template(for: handle, in: context)
        let (parameters, adapter) = try TrainingRunner.parameters(of: handle, method: settings.method, in: context)

        let examples = SFTExamples(data.data, template: template, tokenizer: tokenizer, maxLength: settings.sequenceLength, trainOnAll: settings.trainOnAll)
        for warning in examples.warnings(maxLength: settings.sequenceLength, lines: data.data.lines) { context.say("warning: " + warning) }
        if let pad = tokenizer.specialTokens.pad?.id, pad == tokenizer.eos {
            context.say("note: the pad token is the EOS token; hone masks padding by position (labels -100), so EOS is still trained")
        }
        // A label counts when a previous position predicts it (the first never is).
        let trainable = examples.examples.filter { $0.labels.dropFirst().contains { $0 != SFTExample.ignoreLabel } }
        guard !trainable.isEmpty else {
            throw HoneError(.value, data.data.count == 0 ? "\(data.name) is empty" : "no example of \(data.name) has a target token left",
                            at: context.call.range,
                            hints: data.data.count == 0 ? [] : ["every answer was truncated away: raise seq= (now \(settings.sequenceLength))"])
        }
        let validationExamples = validation.map {
            SFTExamples($0.data, template: template, tokenizer: tokenizer, maxLength: settings.sequenceLength, trainOnAll: settings.trainOnAll)
                .examples.filter { $0.labels.dropFirst().contains { $0 != SFTExample.ignoreLabel } }
        } ?? []
        if let v = validation, validationExamples.isEmpty {
            context.say("warning: no example of \(v.name) has a target token at seq=\(settings.sequenceLength); training without validation")
            validation = nil
        }
        if validation != nil && settings.evalEvery == nil {
            let perEpoch = Double((trainable.count + settings.batchSize - 1) / settings.batchSize) / Double(settings.accumulate)
            let total = settings.steps ?? max(1, Int((perEpoch * (settings.epochs ?? 1)).rounded(.up)))
            settings.evalEvery = max(1, total / 10)
        }
        if settings.patience != nil && validation == nil {
            throw HoneError(.value, "patience= needs validation data", at: arguments.range(of: A.patience) ?? context.call.range,
                            hints: ["give val=NAME, or `split NAME val=0.1` first"])
        }

        let longest = trainable.map(\.ids.count).max() ?? settings.sequenceLength
        let memory = TrainingMemory(model: handle.model, trainable: parameters.reduce(0) { $0 + $1.tensor.count }, settings: settings, sequenceLength: longest)
        if let available = TrainingMemory.available(), memory.additional > available {
            throw HoneError(.value, "this run needs about \(ModelHandle.bytes(memory.additional)) beside the loaded weights, and \(ModelHandle.bytes(available)) is free",
                            at: context.call.range,
                            hints: memory.parts.map { "\($0.name): \(ModelHandle.bytes($0.bytes))" }
                                + ["lower batch= (and raise accumulate= to keep the step), lower seq=, add checkpointing, or train an adapter instead of method=full"])
        }

        if settings.method == .full && !handle.trained {
            // Full fine-tuning changes the base itself: measure it first, for `eval`'s comparisons.
            var sets = validation.map { [($0, template, false)] } ?? []
            if case .string(let general) = context.session.option("general"), let g = workspace.dataSet(named: general) { sets.append((g, .plain, true)) }
            for (set, t, all) in sets {
                let spec = EvaluationSpec(handle: handle, tokenizer: tokenizer, template: t, sequenceLength: handle.model.contextLength,
                                          batchSize: settings.batchSize, context: context, scoreAll: all)
                _ = try spec.baseLoss(on: set)
            }
        }
        let runName = try TrainingData.runName(arguments.optional(A.name), in: context, range: arguments.range(of: A.name))
        let runPath = TrainingData.runsDirectory(in: context) + "/" + runName
        if arguments.optional(snapshot) ?? false {
            // Before the trainer exists: nothing has touched a weight yet.
            _ = try SnapshotSaveCommand.save("auto_before_" + runName.replacingOccurrences(of: "-", with: "_"), automatic: true, in: context)
        }
        let trainer: Trainer
        do {
            trainer = try Trainer(model: handle.model, parameters: parameters, examples: trainable, settings: settings,
                                  dropoutLayers: adapter?.layers ?? [], padID: tokenizer.specialTokens.pad?.id ?? 0)
        } catch let error as TrainingError {
            throw HoneError(.value, error.description, at: context.call.range)
        }
        let configuration = RunConfiguration(
            name: runName, model: TrainingData.describe(handle), adapter: adapter.map { .init(name: $0.name, settings: $0.settings) },
            data: TrainingData.describe(data, examples: trainable.count, fingerprint: dataFingerprint(trainable)),
            validation: validation.map { TrainingData.describe($0, examples: validationExamples.count, fingerprint: dataFingerprint(validationExamples)) },
            template: TrainingRunner.describe(template), settings: settings, totalSteps: trainer.totalSteps,
            trainableParameters: parameters.reduce(0) { $0 + $1.tensor.count }, noWeightDecay: trainer.undecayedParameterNames)
        let log = try RunLog(path: runPath)
        try log.write(configuration, as: RunLog.configurationName)
        try log.writeExamples(trainable, as: TrainingData.trainExamplesName)
        if !validationExamples.isEmpty { try log.writeExamples(validationExamples, as: TrainingData.validationExamplesName) }

        let loop = TrainingLoop(trainer: trainer, log: log, validation: validationExamples)
        let run = TrainingRunner.register(configuration, path: runPath, handle: handle, loop: loop, asVariable: arguments.contains(A.name), in: context)
        let what = adapter.map { "adapter \($0.name) (\(ModelHandle.count(configuration.trainableParameters)) trainable)" }
            ?? "every weight (\(ModelHandle.count(configuration.trainableParameters)))"
        context.say("training \(what) of \(handle.name) on \(data.name) (\(trainable.count) examples"
                    + (validation.map { ", validating on \($0.name)" } ?? "") + "), template \(TrainingRunner.describe(template)): "
                    + "\(trainer.totalSteps) steps of \(settings.batchSize)×\(settings.accumulate), lr \(Value.float(settings.learningRate).repr) \(settings.schedule.rawValue); run \(runName)")
        context.detail("memory estimate: " + memory.parts.map { "\($0.name) \(ModelHandle.bytes($0.bytes))" }.joined(separator: ", "))
        return try TrainingRunner.run(run, loop: loop, handle: handle, tokenizer: tokenizer, template: template,
                                      remembersTemplate: data.data.format != .text, in: context)
    }

    /// `method=lora|dora|qlora` name what the active adapter must be.
    static func checkMethod(_ method: String, handle: ModelHandle, context: CommandContext, range: SourceRange?) throws {
        guard ["lora", "dora", "qlora"].contains(method) else { return }
        let active = (handle.model.linearHook as? AdapterSet)?.active
        let isDoRA = active?.settings.dora ?? false, isQuantized = !handle.model.quantizedWeights.isEmpty
        let problem: String? = switch method {
        case "dora": isDoRA ? nil : "the active adapter is not DoRA (add one with `dora …`)"
        case "qlora": isQuantized ? nil : "the base weights are not quantised (use `qlora …` to quantise them and add an adapter)"
        default: isDoRA ? "the active adapter is DoRA (say method=dora)" : nil
        }
        if let problem { throw HoneError(.value, "method=\(method): \(problem)", at: range ?? context.call.range) }
    }

    static let recipe = Recipe.sft

    /// `resume`: the tokenised examples, checked against the fingerprint in config.json.
    static func resumedObjective(_ run: ResumeCommand.RecordedRun) throws -> ResumeCommand.RecordedRun.Objective {
        let (parameters, adapter) = try run.parameters()
        let examples = try run.log.readExamples(TrainingData.trainExamplesName)
        try run.checkFingerprint(dataFingerprint(examples), of: TrainingData.trainExamplesName)
        let validation = run.configuration.validation == nil ? [] : try run.log.readExamples(TrainingData.validationExamplesName)
        let trainer = try Trainer(model: run.handle.model, parameters: parameters, examples: examples, settings: run.settings,
                                  dropoutLayers: adapter?.layers ?? [], padID: run.padID)
        return .init(trainer: trainer, validation: validation)
    }

    public static func variablesDefined(by call: CommandCall) -> Set<String>? {
        for argument in call.arguments {
            if case .clause("as", _) = argument.label, case .bare(let name, _) = argument.value { return [name] }
        }
        return []
    }
}
