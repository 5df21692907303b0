import HoneTensor

/// The adapter settings `lora`, `dora` and `qlora` take, declared once; each default is
/// `LoRASettings()`'s own value, which is PEFT's `LoraConfig` default.
extension LoRASettings {
    private static let defaults = LoRASettings()

    public static let rankSetting = SettingDeclaration("r", .int(validRanks), default: .int(defaults.rank), "the rank of A [r, in] and B [out, r]")
    public static let alphaSetting = SettingDeclaration("alpha", .float(0...100_000), default: .float(defaults.alpha),
        "the scale numerator: the update is (alpha/r)·BA (PEFT's default alpha is \(Int(defaults.alpha)))")
    public static let dropoutSetting = SettingDeclaration("dropout", .float(0...0.99), default: .float(defaults.dropout),
        "dropout on the adapter's input while training")
    public static let targetsSetting = SettingDeclaration("targets", .words,
        "module names (q_proj,v_proj), all-linear, or patterns with * (default: PEFT's for the architecture)")
    public static let rsLoRASetting = SettingDeclaration("rslora", .bool, default: .bool(defaults.rsLoRA), "scale by alpha/√r instead of alpha/r")
    public static let doraSetting = SettingDeclaration("dora", .bool, default: .bool(defaults.dora), "weight-decomposed LoRA: a learned magnitude per output row")
    public static let initializationSetting = SettingDeclaration("init", .choice(LoRAInitialization.allCases.map(\.rawValue)),
        default: .string(defaults.initialization.rawValue),
        "how A starts: kaiming (PEFT's default) or gaussian, B at zero; pissa: A and B from W's top singular vectors, W keeps the residual")
    public static let seedSetting = SettingDeclaration("seed", .int(0...Int.max), "the seed for A (default: the session's `seed`)")

    /// Each declared setting with where an adapter's settings keep it, in declaration order.
    public static let readings: [SettingReading<LoRASettings>] = [
        .init(rankSetting) { .int($0.rank) },
        .init(alphaSetting) { .float($0.alpha) },
        .init(dropoutSetting) { .float($0.dropout) },
        .init(targetsSetting) { .strings($0.targets) },
        .init(rsLoRASetting) { .bool($0.rsLoRA) },
        .init(doraSetting) { .bool($0.dora) },
        .init(initializationSetting) { .string($0.initialization.rawValue) },
        .init(seedSetting) { .int(Int(truncatingIfNeeded: $0.seed)) },
    ]
}
