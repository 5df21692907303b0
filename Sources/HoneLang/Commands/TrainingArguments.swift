import Foundation
import HoneTensor
import HoneTrain

/// The arguments `train` and `show memory` share, declared once: both read the same words the
/// same way, so the memory estimate is for exactly the run `train` would start.
enum TrainingArguments {
    static let data = Arg<String>.positional("data", .word, required: false,
        help: "the data set to train on (default: the newest loaded, its `.train` part after `split`)")
    static let steps = Arg<Int>.option("steps", .int(1...10_000_000), help: "optimizer steps (instead of epochs)")
    static let epochs = Arg<Double>.option("epochs", .float(0.001...100_000), help: "passes over the data (default 1)")
    /// `lr=`, whose documented default is the recipe's own (`Recipe.defaultLearningRate`).
    static func lr(_ recipe: Recipe) -> Arg<Double> {
        .option("lr", .float(0...10), help: "the peak learning rate (default \(recipe.learningRateDefaultText))")
    }
    /// The name all recipes' `lr=` share, for reading whether it was given.
    static let lr = lr(.sft)
    static let batch = Arg<Int>.option("batch", .int(1...4096), default: .int(8), help: "examples per micro-batch")
    static let accumulate = Arg<Int>.option("accumulate", .int(1...4096), default: .int(1),
        help: "micro-batches per optimizer step; the loss is normalised over all of them, so batch=8 equals batch=1 accumulate=8")
    static let seq = Arg<Int>.option("seq", .int(8...1_000_000), default: .int(512),
        help: "the longest example in tokens after templating; longer ones are truncated and counted")
    static let val = Arg<String>.option("val", .word, help: "a validation data set (default: NAME.val beside NAME.train)")
    static let evalEvery = Arg<Int>.option("eval_every", .int(1...10_000_000), help: "evaluate on val= every N steps (default: 10 evaluations a run)")
    static let patience = Arg<Int>.option("patience", .int(1...10_000), help: "stop after N evaluations without a lower validation loss, keeping the best weights")
    static let saveEvery = Arg<Int>.option("save_every", .int(1...10_000_000), help: "write a checkpoint every N steps (always at the end)")
    static let sampleEvery = Arg<Int>.option("sample_every", .int(1...10_000_000), help: "generate from the sample prompts every N steps")
    static let samples = Arg<[String]>.option("samples", .list(.string), help: "prompts for sample_every (default: the first two of the data)")
    static let method = Arg<String>.option("method", .choice(["adapter", "lora", "dora", "qlora", "full"]), default: .string("adapter"),
        help: "adapter (the active LoRA/DoRA/QLoRA adapter; lora, dora and qlora check which) or full (every weight)")
    static let schedule = Arg<String>.option("schedule", .choice(ScheduleKind.allCases.map(\.rawValue)), default: .string("linear"),
        help: "how the learning rate moves after warm-up: constant, linear to 0 (Hugging Face's default), or cosine to 0")
    static let warmup = Arg<Int>.option("warmup", .int(0...10_000_000), default: .int(0), help: "steps of linear warm-up from 0")
    static let optimizer = Arg<String>.option("optimizer", .choice(OptimizerKind.allCases.map(\.rawValue)), default: .string("adamw"),
        help: "adamw (PyTorch's, betas 0.9/0.999, eps 1e-8) or sgd (with momentum)")
    static let weightDecay = Arg<Double>.option("weight_decay", .float(0...10), default: .float(0),
        help: "AdamW's decoupled decay (L2 for sgd); biases and norm weights are exempt, as in Hugging Face's Trainer")
    static let momentum = Arg<Double>.option("momentum", .float(0...0.999), default: .float(0.9), help: "sgd's momentum")
    static let clip = Arg<Double>.option("clip", .float(0...1e9), default: .float(1), help: "clip the global gradient norm to this (0 is off)")
    static let trainOn = Arg<String>.option("train_on", .choice(["completion", "all"]), default: .string("completion"),
        help: "take the loss on the completion only (prompt tokens labelled -100), or on all tokens")
    static let checkpointing = Arg<Bool>.option("checkpointing", .bool, default: .bool(false),
        help: "gradient checkpointing: recompute activations in backward, trading time for memory")
    static let seed = Arg<Int>.option("seed", .int(0...Int.max), help: "the seed for the batch order and GRPO's sampling (default: the session's `seed`); dropout masks follow the adapter's own seed")
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
