import Foundation
import HoneModels
import HonePEFT
import HoneTrain

/// What `grpo` and `ppo` share: the policy, its prompts, the reward, the run's folder and
/// configuration. Each command adds its objective; the rest is declared once here.
struct ReinforcementRun {
    typealias A = TrainingArguments
    static let reward = Arg<String>.option("reward", .word, required: true,
        help: "contains:WORD (1 when the answer contains WORD), max_length:N (1 up to N tokens, 0 at 2N), or model:NAME (a model trained with `reward train`)")
    static let maxTokens = Arg<Int>.option(GRPOSettings.maxTokensSetting)
    static let temperature = Arg<Double>.option(GRPOSettings.temperatureSetting)
    /// `train`'s arguments that reinforcement learning takes too.
    static func trainingArguments(_ recipe: Recipe) -> [ArgumentSpec] { [A.data.spec, A.steps.spec, A.epochs.spec, A.lr(recipe).spec, A.batch.spec, A.accumulate.spec, A.val.spec,
                                    A.evalEvery.spec, A.patience.spec, A.saveEvery.spec, A.method.spec, A.schedule.spec, A.warmup.spec,
                                    A.optimizer.spec, A.weightDecay.spec, A.clip.spec, A.seed.spec, PrecisionChoice.argument.spec, A.model.spec] }

    let handle: ModelHandle
    let tokenizer: any Tokenizer
    let rule: RewardRule
    let rewardFunction: RewardFunction
    var settings: TrainingSettings
    let data: DataSetHandle
    let validation: DataSetHandle?
    let parameters: [TrainableParameter]
    let adapter: LoRAAdapter?
    let prompts: [[Int]]
    let held: [[Int]]
    let runName: String
    let runPath: String

    /// Reads the shared arguments, with `recipe`'s default lr.
    init(_ arguments: BoundArguments, recipe: Recipe, in context: CommandContext) throws {
        handle = try ModelReference.resolve(arguments.optional(A.model), in: context, range: arguments.range(of: A.model))
        tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        let range = arguments.range(of: Self.reward) ?? context.call.range
        guard let rule = RewardRule(parsing: arguments[Self.reward]) else {
            throw HoneError(.value, "`\(arguments[Self.reward])` is not a reward", at: range,
                            hints: ["write contains:WORD, max_length:N or model:NAME"])
        }
        self.rule = rule
        rewardFunction = try Self.rewardFunction(rule, policy: handle, in: context, range: range)
        settings = try A.settings(arguments, recipe: recipe, in: context)
        try TrainCommand.checkMethod(arguments[A.method], handle: handle, context: context, range: arguments.range(of: A.method))
        data = try TrainingData.training(arguments.optional(A.data), in: context, range: arguments.range(of: A.data))
        validation = try TrainingData.validation(arguments.optional(A.val), beside: data, in: context, range: arguments.range(of: A.val))
        (parameters, adapter) = try TrainingRunner.parameters(of: handle, method: settings.method, in: context)
        let (policy, tokenizer) = (handle, self.tokenizer)
        prompts = try GRPOCommand.promptIDs(data, handle: policy, tokenizer: tokenizer, context: context)
        held = try validation.map { try GRPOCommand.promptIDs($0, handle: policy, tokenizer: tokenizer, context: context) } ?? []
        if settings.patience != nil && held.isEmpty {
            throw HoneError(.value, "patience= needs held-out prompts", at: arguments.range(of: A.patience) ?? context.call.range, hints: ["give val=NAME"])
        }
        if !held.isEmpty && settings.evalEvery == nil {
            // PPO takes `ppo_epochs` steps per batch of prompts.
            let stepsPerBatch = Double(arguments.optional(PPOCommand.ppoEpochs) ?? 1)
            let total = settings.steps ?? max(1, Int((Double((prompts.count + settings.batchSize - 1) / settings.batchSize)
                                                     / Double(settings.accumulate) * stepsPerBatch * (settings.epochs ?? 1)).rounded(.up)))
            settings.evalEvery = max(1, total / 10)
        }
        runName = try TrainingData.runName(arguments.optional(A.name), in: context, range: arguments.range(of: A.name))
        runPath = TrainingData.runsDirectory(in: context) + "/" + runName
    }

    /// The rule as a function; `model:NAME` scores with that model's reward head, which must
    /// be another loaded model (training the policy would otherwise move its own judge) with
    /// the policy's vocabulary.
    static func rewardFunction(_ rule: RewardRule, policy: ModelHandle, in context: CommandContext, range: SourceRange) throws -> RewardFunction {
        guard let name = rule.modelName else { return .rule(rule) }
        let workspace = context.session.workspace
        guard let judge = workspace.model(named: name) else {
            let known = workspace.models.map(\.name)
            let suggestion = Suggestions.didYouMean(name, among: known)
            throw HoneError(.value, "no model named `\(name)` to score the answers", at: range,
                            hints: (suggestion.isEmpty ? [] : [suggestion]) + ["load the reward model with `load model … as \(name)` and train it with `reward train`"])
        }
        guard let head = judge.rewardHead else {
            throw HoneError(.value, "\(name) has no reward head", at: range, hints: ["`reward train DATA model=\(name)` trains one on preference pairs"])
        }
        guard judge !== policy else {
            throw HoneError(.value, "the reward model \(name) is the model being trained; its scores would move with the policy", at: range,
                            hints: ["load the base again as the policy (`load model … as policy`) and train that with reward=model:\(name)"])
        }
        guard judge.model.vocabularySize == policy.model.vocabularySize else {
            throw HoneError(.value, "the reward model \(name) has \(judge.model.vocabularySize) tokens and \(policy.name) \(policy.model.vocabularySize); they must share a tokenizer", at: range)
        }
        return .model(judge.model, head: head, name: name, padID: (judge.tokenizer?.specialTokens.pad?.id) ?? 0)
    }

    /// The run's loop; with held-out prompts, their mean reward is the evaluation and its
    /// negative the validation loss (lower is better, as for every run).
    static func loop(_ trainer: Trainer, log: RunLog, held: [[Int]], meanReward: @escaping () -> Double) -> TrainingLoop {
        let loop = TrainingLoop(trainer: trainer, log: log)
        if !held.isEmpty {
            loop.validator = {
                let reward = meanReward()
                return (-reward, ["reward": reward])
            }
        }
        return loop
    }

    /// Writes the run's configuration and prompts, registers it, says what starts, and runs it.
    func start(trainer: Trainer, loop: TrainingLoop, arguments: BoundArguments, describing what: String,
               configure: (inout RunConfiguration) -> Void, in context: CommandContext) throws -> Value {
        let asExamples = prompts.map { (ids: $0, labels: $0) }, heldExamples = held.map { (ids: $0, labels: $0) }
        var configuration = RunConfiguration(
            name: runName, model: TrainingData.describe(handle), adapter: adapter.map { .init(name: $0.name, settings: $0.settings) },
            data: TrainingData.describe(data, examples: prompts.count, fingerprint: dataFingerprint(asExamples)),
            validation: validation.map { TrainingData.describe($0, examples: held.count, fingerprint: dataFingerprint(heldExamples)) },
            template: TrainingRunner.describe(handle.template ?? .plain), settings: settings, totalSteps: trainer.totalSteps,
            trainableParameters: trainer.parameters.reduce(0) { $0 + $1.tensor.count }, noWeightDecay: trainer.undecayedParameterNames)
        configure(&configuration)
        try loop.log!.write(configuration, as: RunLog.configurationName)
        try loop.log!.writeExamples(asExamples, as: TrainingData.trainExamplesName)
        if !held.isEmpty { try loop.log!.writeExamples(heldExamples, as: TrainingData.validationExamplesName) }
        let run = TrainingRunner.register(configuration, path: runPath, handle: handle, loop: loop, asVariable: arguments.contains(A.name), in: context)
        context.say("\(what): training \(adapter.map { "adapter \($0.name)" } ?? "every weight") of "
                    + "\(handle.name) on \(prompts.count) prompts of \(data.name): \(trainer.totalSteps) steps of \(settings.batchSize) prompts, "
                    + "lr \(Value.float(settings.learningRate).repr); run \(runName)")
        return try TrainingRunner.run(run, loop: loop, handle: handle, tokenizer: tokenizer, template: handle.template ?? .plain, in: context)
    }
}
