import HoneTensor

/// The settings every recipe shares, declared once: `train`, `dpo`, `grpo`, … and `show memory`
/// take their arguments from these, and each default is `TrainingSettings()`'s own value.
extension TrainingSettings {
    private static let defaults = TrainingSettings()

    public static let stepsSetting = SettingDeclaration("steps", .int(1...10_000_000), "optimizer steps (instead of epochs)")
    public static let epochsSetting = SettingDeclaration("epochs", .float(0.001...100_000), "passes over the data (default 1)")
    public static let batchSetting = SettingDeclaration("batch", .int(1...4096), default: .int(defaults.batchSize), "examples per micro-batch")
    public static let accumulateSetting = SettingDeclaration("accumulate", .int(1...4096), default: .int(defaults.accumulate),
        "micro-batches per optimizer step; the loss is normalised over all of them, so batch=8 equals batch=1 accumulate=8")
    public static let sequenceLengthSetting = SettingDeclaration("seq", .int(8...1_000_000), default: .int(defaults.sequenceLength),
        "the longest example in tokens after templating; longer ones are truncated and counted")
    public static let evalEverySetting = SettingDeclaration("eval_every", .int(1...10_000_000),
        "evaluate on val= every N steps (default: 10 evaluations a run)")
    public static let patienceSetting = SettingDeclaration("patience", .int(1...10_000),
        "stop after N evaluations without a lower validation loss, keeping the best weights")
    public static let saveEverySetting = SettingDeclaration("save_every", .int(1...10_000_000), "write a checkpoint every N steps (always at the end)")
    public static let sampleEverySetting = SettingDeclaration("sample_every", .int(1...10_000_000), "generate from the sample prompts every N steps")
    public static let samplesSetting = SettingDeclaration("samples", .strings, "prompts for sample_every (default: the first two of the data)")
    public static let scheduleSetting = SettingDeclaration("schedule", .choice(ScheduleKind.allCases.map(\.rawValue)), default: .string(defaults.schedule.rawValue),
        "how the learning rate moves after warm-up: constant, linear to 0 (Hugging Face's default), or cosine to 0")
    public static let warmupSetting = SettingDeclaration("warmup", .int(0...10_000_000), default: .int(defaults.warmupSteps), "steps of linear warm-up from 0")
    public static let optimizerSetting = SettingDeclaration("optimizer", .choice(OptimizerKind.allCases.map(\.rawValue)), default: .string(defaults.optimizer.rawValue),
        "adamw (PyTorch's, betas \(defaults.beta1)/\(defaults.beta2), eps \(Recipe.format(defaults.epsilon))) or sgd (with momentum)")
    public static let weightDecaySetting = SettingDeclaration("weight_decay", .float(0...10), default: .float(defaults.weightDecay),
        "AdamW's decoupled decay (L2 for sgd); biases and norm weights are exempt, as in Hugging Face's Trainer")
    public static let momentumSetting = SettingDeclaration("momentum", .float(0...0.999), default: .float(defaults.momentum), "sgd's momentum")
    public static let clipSetting = SettingDeclaration("clip", .float(0...1e9), default: .float(defaults.maxGradientNorm),
        "clip the global gradient norm to this (0 is off)")
    public static let trainOnSetting = SettingDeclaration("train_on", .choice(["completion", "all"]), default: .string(defaults.trainOnAll ? "all" : "completion"),
        "take the loss on the completion only (prompt tokens labelled -100), or on all tokens")
    public static let checkpointingSetting = SettingDeclaration("checkpointing", .bool, default: .bool(defaults.gradientCheckpointing),
        "gradient checkpointing: recompute activations in backward, trading time for memory")
    public static let seedSetting = SettingDeclaration("seed", .int(0...Int.max),
        "the seed for the batch order and GRPO's sampling (default: the session's `seed`); dropout masks follow the adapter's own seed")

    /// Each declared setting with where a run's settings keep it, in declaration order.
    public static let readings: [SettingReading<TrainingSettings>] = [
        .init(stepsSetting) { $0.steps.map { .int($0) } },
        .init(epochsSetting) { $0.epochs.map { .float($0) } },
        .init(batchSetting) { .int($0.batchSize) },
        .init(accumulateSetting) { .int($0.accumulate) },
        .init(sequenceLengthSetting) { .int($0.sequenceLength) },
        .init(evalEverySetting) { $0.evalEvery.map { .int($0) } },
        .init(patienceSetting) { $0.patience.map { .int($0) } },
        .init(saveEverySetting) { $0.saveEvery.map { .int($0) } },
        .init(sampleEverySetting) { $0.sampleEvery.map { .int($0) } },
        .init(samplesSetting) { $0.samplePrompts.isEmpty ? nil : .strings($0.samplePrompts) },
        .init(scheduleSetting) { .string($0.schedule.rawValue) },
        .init(warmupSetting) { .int($0.warmupSteps) },
        .init(optimizerSetting) { .string($0.optimizer.rawValue) },
        .init(weightDecaySetting) { .float($0.weightDecay) },
        .init(momentumSetting) { .float($0.momentum) },
        .init(clipSetting) { .float($0.maxGradientNorm) },
        .init(trainOnSetting) { .string($0.trainOnAll ? "all" : "completion") },
        .init(checkpointingSetting) { .bool($0.gradientCheckpointing) },
        .init(seedSetting) { .int(Int(truncatingIfNeeded: $0.seed)) },
    ]
}
