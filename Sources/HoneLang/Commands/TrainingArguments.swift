import Foundation
import HoneTensor
import HoneTrain

/// The arguments `train` and `show memory` share, declared once: both read the same words the
/// same way, so the memory estimate is for exactly the run `train` would start.
enum TrainingArguments {
    static let data = Arg<String>.positional("data", .word, required: false,
        help: "the data set to train on (default: the newest loaded, its `.train` part after `split`)")
    static let steps = Arg<Int>.option(TrainingSettings.stepsSetting)
    static let epochs = Arg<Double>.option(TrainingSettings.epochsSetting)
    /// `lr=`, whose documented default is the recipe's own (`Recipe.defaultLearningRate`).
    static func lr(_ recipe: Recipe) -> Arg<Double> {
        .option("lr", .float(0...10), help: "the peak learning rate (default \(recipe.learningRateDefaultText))")
    }
    /// The name all recipes' `lr=` share, for reading whether it was given.
    static let lr = lr(.sft)
    static let batch = Arg<Int>.option(TrainingSettings.batchSetting)
    static let accumulate = Arg<Int>.option(TrainingSettings.accumulateSetting)
    static let seq = Arg<Int>.option(TrainingSettings.sequenceLengthSetting)
    static let val = Arg<String>.option("val", .word, help: "a validation data set (default: NAME.val beside NAME.train)")
    static let evalEvery = Arg<Int>.option(TrainingSettings.evalEverySetting)
    static let patience = Arg<Int>.option(TrainingSettings.patienceSetting)
    static let saveEvery = Arg<Int>.option(TrainingSettings.saveEverySetting)
    static let sampleEvery = Arg<Int>.option(TrainingSettings.sampleEverySetting)
    static let samples = Arg<[String]>.option(TrainingSettings.samplesSetting)
    static let method = Arg<String>.option("method", .choice(["adapter", "lora", "dora", "qlora", "full"]), default: .string("adapter"),
        help: "adapter (the active LoRA/DoRA/QLoRA adapter; lora, dora and qlora check which) or full (every weight)")
    static let schedule = Arg<String>.option(TrainingSettings.scheduleSetting)
    static let warmup = Arg<Int>.option(TrainingSettings.warmupSetting)
    static let optimizer = Arg<String>.option(TrainingSettings.optimizerSetting)
    static let weightDecay = Arg<Double>.option(TrainingSettings.weightDecaySetting)
    static let momentum = Arg<Double>.option(TrainingSettings.momentumSetting)
    static let clip = Arg<Double>.option(TrainingSettings.clipSetting)
    static let trainOn = Arg<String>.option(TrainingSettings.trainOnSetting)
    static let checkpointing = Arg<Bool>.option(TrainingSettings.checkpointingSetting)
    static let seed = Arg<Int>.option(TrainingSettings.seedSetting)
    static let model = Arg<String>.option("model", .word, help: "the model to train (default: the current model)")
    static let name = Arg<String>.clause("as", .name, help: "the run's name (default: run-1, run-2, …)")

    /// The settings these arguments give for `recipe`. A command may declare only some of them
    /// (`show memory`); the others keep `TrainingSettings`' defaults.
    static func settings(_ arguments: BoundArguments, recipe: Recipe = .sft, in context: CommandContext) throws -> TrainingSettings {
        var s = TrainingSettings()
        s.method = arguments.optional(method) == "full" ? .full : .adapter
        if arguments.contains(steps) && arguments.contains(epochs) {
            throw HoneError(.value, "give steps= or epochs=, not both", at: arguments.range(of: epochs) ?? context.call.range)
        }
        s.steps = arguments.optional(steps)
        s.epochs = arguments.optional(epochs)
        s.learningRate = arguments.optional(lr) ?? recipe.defaultLearningRate(method: s.method)
        s.batchSize = arguments.optional(batch) ?? s.batchSize
        s.accumulate = arguments.optional(accumulate) ?? s.accumulate
        s.sequenceLength = arguments.optional(seq) ?? s.sequenceLength
        s.schedule = arguments.optional(schedule).flatMap(ScheduleKind.init(rawValue:)) ?? s.schedule
        s.warmupSteps = arguments.optional(warmup) ?? s.warmupSteps
        s.optimizer = arguments.optional(optimizer).flatMap(OptimizerKind.init(rawValue:)) ?? s.optimizer
        s.weightDecay = arguments.optional(weightDecay) ?? s.weightDecay
        s.momentum = arguments.optional(momentum) ?? s.momentum
        s.maxGradientNorm = arguments.optional(clip) ?? s.maxGradientNorm
        s.evalEvery = arguments.optional(evalEvery)
        s.patience = arguments.optional(patience)
        s.saveEvery = arguments.optional(saveEvery)
        s.sampleEvery = arguments.optional(sampleEvery)
        s.samplePrompts = arguments.optional(samples) ?? []
        s.trainOnAll = arguments.optional(trainOn) == "all"
        s.gradientCheckpointing = arguments.optional(checkpointing) ?? false
        var sessionSeed = 0
        if case .int(let v) = context.session.option("seed") { sessionSeed = v }
        s.seed = UInt64(arguments.optional(seed) ?? sessionSeed)
        // `precision=` or the session's, resolved for every command by the registry.
        s.precision = Precision.current
        return s
    }
}
