import Foundation
import HoneModels
import HonePEFT
import HoneTrain

/// `grpo [PROMPTS] reward=… group=…`: reinforcement learning from a rule reward, GRPO style.
public enum GRPOCommand: Command {
    typealias A = TrainingArguments
    static let reward = Arg<String>.option("reward", .word, required: true,
        help: "the rule: contains:WORD (1 when the answer contains WORD) or max_length:N (1 up to N tokens, 0 at 2N)")
    static let group = Arg<Int>.option("group", .int(2...64), default: .int(8), help: "answers sampled per prompt (TRL's num_generations)")
    static let maxTokens = Arg<Int>.option("max_tokens", .int(1...4096), default: .int(32), help: "the longest sampled answer")
    static let temperature = Arg<Double>.option("temperature", .float(0.01...10), default: .float(1), help: "sampling temperature (TRL's default 1)")

    public static let spec = CommandSpec(
        ["grpo"], summary: "reinforcement learning with group-relative advantages and a rule reward",
        discussion: """
            For each prompt, `group` answers are sampled and scored by the reward rule; an \
            answer's advantage is how far its reward is above its group's mean, in units of the \
            group's spread, so no value model is needed. The policy gradient raises the \
            probability of better-than-average answers (one update per sample; β = 0 as in TRL, \
            with the KL to the reference, the adapter disabled, shown on the progress line with \
            the mean reward and answer length). val= names held-out prompts whose mean reward is \
            the evaluation (its negative is the validation loss). Arguments and runs are \
            `train`'s; the default lr is TRL's advice for LoRA, 1e-5 (1e-6 for method=full).
            """,
        category: .training,
        arguments: [A.data.spec, A.steps.spec, A.epochs.spec, A.lr.spec, A.batch.spec, A.accumulate.spec, A.val.spec, A.evalEvery.spec,
                    A.patience.spec, A.saveEvery.spec, A.method.spec, A.schedule.spec, A.warmup.spec, A.optimizer.spec,
                    A.weightDecay.spec, A.clip.spec, A.seed.spec, A.model.spec, reward.spec, group.spec, maxTokens.spec,
                    temperature.spec, A.name.spec],
        examples: [.init("grpo prompts.train reward=contains:happy group=8 steps=50", "reward answers that say happy"),
                   .init("grpo reward=max_length:20 lr=1e-4", "reward short answers")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(A.model), in: context, range: arguments.range(of: A.model))
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        guard let rule = RewardRule(parsing: arguments[reward]) else {
            throw HoneError(.value, "`\(arguments[reward])` is not a reward rule", at: arguments.range(of: reward) ?? context.call.range,
                            hints: ["write contains:WORD or max_length:N"])
        }
        var settings = try A.settings(arguments, in: context)
        if !arguments.contains(A.lr) { settings.learningRate = settings.method == .full ? 1e-6 : 1e-5 }
        try TrainCommand.checkMethod(arguments[A.method], handle: handle, context: context, range: arguments.range(of: A.method))
        let data = try TrainingData.training(arguments.optional(A.data), in: context, range: arguments.range(of: A.data))
        let validation = try TrainingData.validation(arguments.optional(A.val), beside: data, in: context, range: arguments.range(of: A.val))
        let (parameters, adapter) = try TrainingRunner.parameters(of: handle, method: settings.method, in: context)
        let prompts = try promptIDs(data, handle: handle, tokenizer: tokenizer, context: context)
        let held = try validation.map { try promptIDs($0, handle: handle, tokenizer: tokenizer, context: context) } ?? []
        if settings.patience != nil && held.isEmpty {
            throw HoneError(.value, "patience= needs held-out prompts", at: arguments.range(of: A.patience) ?? context.call.range, hints: ["give val=NAME"])
        }
        let grpo = GRPOSettings(reward: rule, group: arguments[group], maxNewTokens: arguments[maxTokens], temperature: arguments[temperature])
        if !held.isEmpty && settings.evalEvery == nil {
            let total = settings.steps ?? max(1, Int((Double((prompts.count + settings.batchSize - 1) / settings.batchSize)
                                                     / Double(settings.accumulate) * (settings.epochs ?? 1)).rounded(.up)))
            settings.evalEvery = max(1, total / 10)
        }
        let runName = try TrainingData.runName(arguments.optional(A.name), in: context, range: arguments.range(of: A.name))
        let runPath = TrainingData.runsDirectory(in: context) + "/" + runName
        let (trainer, loop) = try build(handle: handle, tokenizer: tokenizer, parameters: parameters, adapter: adapter, prompts: prompts,
                                        held: held, grpo: grpo, settings: settings, log: try RunLog(path: runPath))
        let asExamples = prompts.map { (ids: $0, labels: $0) }, heldExamples = held.map { (ids: $0, labels: $0) }
        var configuration = RunConfiguration(
            name: runName, model: TrainingData.describe(handle), adapter: adapter.map { .init(name: $0.name, settings: $0.settings) },
            data: TrainingData.describe(data, examples: prompts.count, fingerprint: dataFingerprint(asExamples)),
            validation: validation.map { TrainingData.describe($0, examples: held.count, fingerprint: dataFingerprint(heldExamples)) },
            template: TrainingRunner.describe(handle.template ?? .plain), settings: settings, totalSteps: trainer.totalSteps,
            trainableParameters: parameters.reduce(0) { $0 + $1.tensor.count }, noWeightDecay: trainer.undecayedParameterNames)
        configuration.grpo = grpo
        try loop.log!.write(configuration, as: RunLog.configurationName)
        try loop.log!.writeExamples(asExamples, as: TrainingData.trainExamplesName)
        if !held.isEmpty { try loop.log!.writeExamples(heldExamples, as: TrainingData.validationExamplesName) }
        let run = TrainingRunner.register(configuration, path: runPath, handle: handle, loop: loop, asVariable: arguments.contains(A.name), in: context)
        context.say("GRPO with reward \(rule), \(grpo.group) answers per prompt: training \(adapter.map { "adapter \($0.name)" } ?? "every weight") of "
                    + "\(handle.name) on \(prompts.count) prompts of \(data.name): \(trainer.totalSteps) steps of \(settings.batchSize) prompts, "
                    + "lr \(Value.float(settings.learningRate).repr); run \(runName)")
        return try TrainingRunner.run(run, loop: loop, handle: handle, tokenizer: tokenizer, template: handle.template ?? .plain, in: context)
    }

    /// The trainer and loop of a GRPO run (also for `resume`).
    static func build(handle: ModelHandle, tokenizer: any Tokenizer, parameters: [TrainableParameter], adapter: LoRAAdapter?,
                      prompts: [[Int]], held: [[Int]], grpo: GRPOSettings, settings: TrainingSettings, log: RunLog) throws -> (Trainer, TrainingLoop) {
        let padID = tokenizer.specialTokens.pad?.id ?? 0
        let objective = GRPOObjective(prompts: prompts, rule: grpo.reward, tokenizer: tokenizer, group: grpo.group, maxNewTokens: grpo.maxNewTokens,
                                      temperature: Float(grpo.temperature), seed: settings.seed, padID: padID)
        let trainer = try Trainer(model: handle.model, parameters: parameters, objective: objective, settings: settings,
                                  dropoutLayers: adapter?.layers ?? [], padID: padID)
        let loop = TrainingLoop(trainer: trainer, log: log)
        if !held.isEmpty {
            let model = handle.model
            loop.validator = {
                let reward = objective.meanReward(on: held, model: model)
                return (-reward, ["reward": reward])
            }
        }
        return (trainer, loop)
    }

    /// Prompt token ids from a data set's records: the prompt, instruction or text of each,
    /// wrapped in the model's template when it has one.
    static func promptIDs(_ data: DataSetHandle, handle: ModelHandle, tokenizer: any Tokenizer, context: CommandContext) throws -> [[Int]] {
        let texts: [String] = data.data.records.compactMap { record in
            switch record {
            case .promptCompletion(let prompt, _): prompt
            case .instruction(let instruction, let input, _): input.isEmpty ? instruction : instruction + "\n\n" + input
            case .text(let text): text
            case .preference(let prompt, _, _, _): prompt
            case .chat(let messages): messages.last { $0.role == "user" }?.content
            }
        }
        guard !texts.isEmpty else { throw HoneError(.value, "\(data.name) has no prompts", at: context.call.range) }
        return try texts.map { text in
            let wrapped = try handle.template.map { try InferenceTemplate.wrap(text, in: $0, range: nil, in: context) } ?? text
            return InferenceTemplate.encode(wrapped, template: handle.template, tokenizer: tokenizer, bos: true)
        }
    }
}
