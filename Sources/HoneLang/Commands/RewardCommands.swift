import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import HoneTrain

/// `reward train [DATA] …`: a reward model from preference pairs (Bradley–Terry).
public enum RewardTrainCommand: TrainingCommand {
    static let recipe = Recipe.reward

    /// `resume`: the head is made again from the run's seed (the checkpoint puts back its
    /// weights) and becomes the model's. A head trained alone has no adapter.
    static func resumedObjective(_ run: ResumeCommand.RecordedRun) throws -> ResumeCommand.RecordedRun.Objective {
        let (configuration, settings, handle) = (run.configuration, run.settings, run.handle)
        let adapter = configuration.adapter == nil && settings.method == .adapter ? nil : try run.parameters().adapter
        let head = RewardHead(hidden: handle.model.hiddenSize, seed: settings.seed)
        let (withHead, _) = try parameters(handle: handle, head: head, method: settings.method, context: run.context)
        let pairs = try run.log.readPairs(TrainingData.trainPairsName)
        let held = configuration.validation == nil ? [] : try run.log.readPairs(TrainingData.validationPairsName)
        let (trainer, loop) = try build(handle: handle, head: head, parameters: withHead, adapter: adapter, pairs: pairs,
                                        held: held, settings: settings, padID: run.padID, log: run.log)
        handle.rewardHead = head
        return .init(trainer: trainer, validator: loop.validator)
    }

    /// A live loop trains the reward head beside the adapter; it must still be the model's head.
    static func setAsideHeads(_ trained: inout [TrainableParameter], handle: ModelHandle) -> Bool {
        guard let head = trained.first(where: { $0.name == headName }), head.tensor === handle.rewardHead?.weight else { return false }
        trained.removeAll { $0.name == headName }
        return true
    }

    typealias A = TrainingArguments

    public static let spec = CommandSpec(
        ["reward", "train"], summary: "train a reward model (a scalar head) on preference pairs",
        discussion: """
            Adds a scalar head to the current model: a sequence's reward is its final hidden \
            state at the last token times a learned vector. The head trains together with the \
            active adapter (or alone, without one) on the Bradley–Terry loss −log σ(r_chosen − \
            r_rejected); the progress line shows how often the chosen answer scores higher and by \
            how much. `score` then rates answers, and `grpo reward=…` rules can be compared with \
            it. Arguments and runs are `train`'s; the default lr is TRL's RewardConfig's (see lr=).
            """,
        category: .training, arguments: PreferenceTraining.shared(.reward),
        examples: [.init("reward train prefs.train steps=100", "a reward model on the train part, validated on prefs.val")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(A.model), in: context, range: arguments.range(of: A.model))
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        var settings = try A.settings(arguments, recipe: .reward, in: context)
        settings.sequenceLength = min(settings.sequenceLength, handle.model.contextLength)
        let data = try PreferenceTraining.preferenceData(arguments.optional(A.data), in: context, range: arguments.range(of: A.data))
        var validation = try TrainingData.validation(arguments.optional(A.val), beside: data, in: context, range: arguments.range(of: A.val))
        let template = TrainingRunner.template(for: handle, in: context)
        let pairs = PreferencePair.tokenize(data.data, template: template, tokenizer: tokenizer, maxLength: settings.sequenceLength).pairs
        guard !pairs.isEmpty else {
            throw HoneError(.value, "\(data.name) has no preference pairs to train on", at: context.call.range,
                            hints: ["preference data has prompt, chosen and rejected fields"])
        }
        let held = validation.map { PreferencePair.tokenize($0.data, template: template, tokenizer: tokenizer, maxLength: settings.sequenceLength).pairs } ?? []
        if held.isEmpty { validation = nil }
        if settings.patience != nil && validation == nil {
            throw HoneError(.value, "patience= needs validation pairs", at: arguments.range(of: A.patience) ?? context.call.range)
        }
        if !held.isEmpty && settings.evalEvery == nil { settings.evalEvery = max(1, (settings.steps ?? max(1, pairs.count / settings.batchSize)) / 10) }
        let head = RewardHead(hidden: handle.model.hiddenSize, seed: settings.seed)
        let (parameters, adapter) = try Self.parameters(handle: handle, head: head, method: settings.method, context: context)
        let runName = try TrainingData.runName(arguments.optional(A.name), in: context, range: arguments.range(of: A.name))
        let runPath = TrainingData.runsDirectory(in: context) + "/" + runName
        let (trainer, loop) = try build(handle: handle, head: head, parameters: parameters, adapter: adapter, pairs: pairs, held: held,
                                        settings: settings, padID: tokenizer.specialTokens.pad?.id ?? 0, log: try RunLog(path: runPath))
        var configuration = RunConfiguration(
            name: runName, model: TrainingData.describe(handle), adapter: adapter.map { .init(name: $0.name, settings: $0.settings) },
            data: TrainingData.describe(data, examples: pairs.count, fingerprint: dataFingerprint(pairs)),
            validation: validation.map { TrainingData.describe($0, examples: held.count, fingerprint: dataFingerprint(held)) },
            template: TrainingRunner.describe(template), settings: settings, totalSteps: trainer.totalSteps,
            trainableParameters: parameters.reduce(0) { $0 + $1.tensor.count }, noWeightDecay: trainer.undecayedParameterNames)
        configuration.rewardModel = true
        try loop.log!.write(configuration, as: RunLog.configurationName)
        try loop.log!.writePairs(pairs, as: TrainingData.trainPairsName)
        if !held.isEmpty { try loop.log!.writePairs(held, as: TrainingData.validationPairsName) }
        let run = TrainingRunner.register(configuration, path: runPath, handle: handle, loop: loop, asVariable: arguments.contains(A.name), in: context)
        handle.rewardHead = head
        context.say("reward model: a scalar head on \(handle.name)'s hidden states" + (adapter.map { ", training with adapter \($0.name)" } ?? ", training alone")
                    + ", on \(pairs.count) pairs of \(data.name): \(trainer.totalSteps) steps of \(settings.batchSize), lr \(Value.float(settings.learningRate).repr); run \(runName)")
        return try TrainingRunner.run(run, loop: loop, handle: handle, tokenizer: tokenizer, template: template, in: context)
    }

    /// The head's name among the trainable parameters, as checkpoints keep it (TRL's `score`).
    static let headName = "score.weight"

    /// The head, and the adapter's (or every) weights when there are any to train.
    static func parameters(handle: ModelHandle, head: RewardHead, method: TrainingMethod, context: CommandContext) throws
        -> ([TrainableParameter], LoRAAdapter?) {
        let headParameter = TrainableParameter(name: headName, tensor: head.weight)
        let set = handle.model.linearHook as? AdapterSet
        if method == .adapter && (set?.active == nil || set?.isEnabled == false) { return ([headParameter], nil) }
        let (parameters, adapter) = try TrainingRunner.parameters(of: handle, method: method, in: context)
        return ([headParameter] + parameters, adapter)
    }

    /// The trainer and loop of a reward-model run (also for `resume`).
    static func build(handle: ModelHandle, head: RewardHead, parameters: [TrainableParameter], adapter: LoRAAdapter?, pairs: [PreferencePair],
                      held: [PreferencePair], settings: TrainingSettings, padID: Int, log: RunLog) throws -> (Trainer, TrainingLoop) {
        let objective = RewardObjective(pairs: pairs, head: head, padID: padID)
        let trainer = try Trainer(model: handle.model, parameters: parameters, objective: objective, settings: settings,
                                  dropoutLayers: adapter?.layers ?? [], padID: padID)
        let loop = TrainingLoop(trainer: trainer, log: log)
        if !held.isEmpty {
            let model = handle.model
            loop.validator = {
                let result = objective.evaluate(held, model: model, batchSize: settings.batchSize)
                return (-result.margin, ["rewards/accuracies": result.accuracy, "rewards/margins": result.margin])
            }
        }
        return (trainer, loop)
    }
}

/// `score "PROMPT" "ANSWER"`: the reward model's rating of an answer.
public enum ScoreCommand: Command {
    static let prompt = Arg<String>.positional("prompt", .string, help: "the prompt")
    static let answer = Arg<String>.positional("answer", .string, help: "the answer to rate")
    static let model = Arg<String>.option("model", .word, help: "the model whose reward head to use (default: the current model)")

    public static let spec = CommandSpec(
        ["score"], summary: "rate an answer to a prompt with the trained reward model",
        discussion: """
            Renders the prompt with the model's template, appends the answer and its EOS, and \
            prints the reward head's scalar for it. Only differences between rewards mean \
            anything: the Bradley–Terry loss fixes them up to a constant. Returns the reward.
            """,
        category: .training, arguments: [prompt.spec, answer.spec, model.spec],
        examples: [.init(#"score "Tom went to the park. Tom felt" "happy.""#, "compare with a sad answer's score")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(model), in: context, range: arguments.range(of: model))
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        guard let head = handle.rewardHead else {
            throw HoneError(.value, "\(handle.name) has no reward head", at: context.call.range,
                            hints: ["`reward train DATA` trains one on preference pairs"])
        }
        let template = TrainingRunner.template(for: handle, in: context)
        let record = DataSet(file: "<score>", format: .preference,
                             records: [.preference(prompt: arguments[prompt], chosen: arguments[answer], rejected: arguments[answer])], lines: [1])
        guard let pair = PreferencePair.tokenize(record, template: template, tokenizer: tokenizer, maxLength: handle.model.contextLength).pairs.first else {
            throw HoneError(.value, "the prompt and answer do not fit the model's context of \(handle.model.contextLength) tokens", at: context.call.range)
        }
        let reward = GradMode.withoutGradients {
            Double(head.rewards(model: handle.model, sequences: [pair.prompt + pair.chosen], padID: tokenizer.specialTokens.pad?.id ?? 0).scalars[0])
        }
        context.show(String(format: "reward %.4f", reward))
        return .float(reward)
    }
}
