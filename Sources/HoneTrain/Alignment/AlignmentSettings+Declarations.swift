import HoneTensor

/// PPO's settings as `ppo` takes them, declared once; each default is `PPOSettings`' own
/// (TRL's `PPOConfig` where it has one).
extension PPOSettings {
    private static let defaults = PPOSettings(reward: .contains(""))

    public static let answersSetting = SettingDeclaration("answers", .int(1...64), default: .int(defaults.samples),
        "answers sampled per prompt for each rollout")
    public static let klSetting = SettingDeclaration("kl", .float(0...100), default: .float(defaults.klCoefficient),
        "β of the per-token KL penalty against the reference (TRL's kl_coef 0.05)")
    public static let clipRangeSetting = SettingDeclaration("clip_range", .float(0.001...10), default: .float(defaults.clipRange),
        "ε of the clipped ratio π/π_old (TRL's cliprange)")
    public static let valueCoefficientSetting = SettingDeclaration("vf_coef", .float(0...100), default: .float(defaults.valueCoefficient),
        "the value loss's weight (TRL's vf_coef)")
    public static let epochsSetting = SettingDeclaration("ppo_epochs", .int(1...64), default: .int(defaults.epochs),
        "optimizer steps on each rollout before sampling again (TRL's num_ppo_epochs)")
    public static let gammaSetting = SettingDeclaration("gamma", .float(0...1), default: .float(defaults.gamma), "the discount γ")
    public static let lambdaSetting = SettingDeclaration("lambda", .float(0...1), default: .float(defaults.lambda), "GAE's λ")

    /// Each setting `ppo` takes with where a run's PPO settings keep it; the sampling ones are
    /// declared with GRPO's.
    public static let readings: [SettingReading<PPOSettings>] = [
        .init(answersSetting) { .int($0.samples) },
        .init(GRPOSettings.maxTokensSetting) { .int($0.maxNewTokens) },
        .init(GRPOSettings.temperatureSetting) { .float($0.temperature) },
        .init(klSetting) { .float($0.klCoefficient) },
        .init(clipRangeSetting) { .float($0.clipRange) },
        .init(valueCoefficientSetting) { .float($0.valueCoefficient) },
        .init(epochsSetting) { .int($0.epochs) },
        .init(gammaSetting) { .float($0.gamma) },
        .init(lambdaSetting) { .float($0.lambda) },
    ]
}

/// What GRPO and PPO share: how answers are sampled. Defaults are `GRPOSettings`' own.
extension GRPOSettings {
    private static let defaults = GRPOSettings(reward: .contains(""))

    public static let groupSetting = SettingDeclaration("group", .int(2...64), default: .int(defaults.group), "answers sampled per prompt (TRL's num_generations)")
    public static let maxTokensSetting = SettingDeclaration("max_tokens", .int(1...4096), default: .int(defaults.maxNewTokens), "the longest sampled answer")
    public static let temperatureSetting = SettingDeclaration("temperature", .float(0.01...10), default: .float(defaults.temperature),
        "sampling temperature (TRL's default 1)")

    /// Each declared setting with where a `grpo` run's settings keep it.
    public static let readings: [SettingReading<GRPOSettings>] = [
        .init(groupSetting) { .int($0.group) },
        .init(maxTokensSetting) { .int($0.maxNewTokens) },
        .init(temperatureSetting) { .float($0.temperature) },
    ]
}

/// The preference losses' settings as `dpo`, `orpo` and `simpo` take them; β's default is the
/// recipe's (`Recipe.defaultBeta`), the others `PreferenceLossSettings`' own.
extension PreferenceLossSettings {
    private static let defaults = PreferenceLossSettings(kind: "sigmoid")

    public static let lossSetting = SettingDeclaration("loss", .choice(["sigmoid", "ipo", "hinge", "robust"]), default: .string(defaults.kind),
        "sigmoid (DPO), ipo, hinge or robust")
    public static let labelSmoothingSetting = SettingDeclaration("label_smoothing", .float(0...0.49), default: .float(defaults.labelSmoothing),
        "the share of pairs assumed mislabelled: conservative DPO for sigmoid, and robust's ε")
    public static let gammaSetting = SettingDeclaration("gamma", .float(0...100), default: .float(defaults.gamma), "SimPO's target reward margin")

    /// Each declared setting with where a preference run's loss settings keep it (β, declared
    /// by the language with the recipe's default, is read by the run's configuration).
    public static let readings: [SettingReading<PreferenceLossSettings>] = [
        .init(lossSetting) { .string($0.kind) },
        .init(labelSmoothingSetting) { .float($0.labelSmoothing) },
        .init(gammaSetting) { .float($0.gamma) },
    ]
}
