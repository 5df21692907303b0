import Foundation

/// A fine-tuning method: what a run optimises, with the defaults hone uses for it. Each default
/// that differs between methods is declared here once; the commands' help, `docs/LANGUAGE.md`,
/// the runs they start and `export` all read it from here, so a documented default cannot drift
/// from the one used (issue 17: `help dpo` once showed `train`'s learning rate).
///
/// To add a method: add a case here with its defaults and its TRL/Axolotl names, give it a
/// command file in HoneLang that binds its arguments, and describe in `Recipe.of(_:)` how its
/// run's config.json is recognised.
public enum Recipe: String, CaseIterable, Codable, Sendable {
    case sft
    case dpo
    case orpo
    case simpo
    case reward
    case grpo
    case ppo

    /// The command that runs it.
    public var command: String {
        switch self {
        case .sft: "train"
        case .reward: "reward train"
        default: rawValue
        }
    }

    /// True for the methods trained on prompt/chosen/rejected pairs.
    public var usesPreferencePairs: Bool { [.dpo, .orpo, .simpo, .reward].contains(self) }

    /// True for the methods that sample answers and score them with a reward.
    public var usesRewards: Bool { self == .grpo || self == .ppo }

    /// The peak learning rate when `lr=` is not given. These are the values the reference tools
    /// recommend: Hugging Face's 2e-4/5e-5 for SFT with adapters/all weights, TRL's advice of
    /// 5e-6 for DPO with LoRA (5e-7 full), 1e-6 for ORPO and SimPO, RewardConfig's 1e-4, and
    /// 1e-5 (1e-6 full) for RL with LoRA.
    public func defaultLearningRate(method: TrainingMethod) -> Double {
        switch (self, method) {
        case (.sft, .adapter): 2e-4
        case (.sft, .full): 5e-5
        case (.dpo, .adapter): 5e-6
        case (.dpo, .full): 5e-7
        case (.orpo, _), (.simpo, _): 1e-6
        case (.reward, _): 1e-4
        case (.grpo, .adapter), (.ppo, .adapter): 1e-5
        case (.grpo, .full), (.ppo, .full): 1e-6
        }
    }

    /// How `help` states the learning-rate default: "2e-4 for adapters, 5e-5 for method=full".
    public var learningRateDefaultText: String {
        let adapter = defaultLearningRate(method: .adapter), full = defaultLearningRate(method: .full)
        return adapter == full ? Self.format(adapter)
            : "\(Self.format(adapter)) for adapters, \(Self.format(full)) for method=full"
    }

    /// β when `beta=` is not given, for the preference losses: TRL's 0.1 for DPO and ORPO, the
    /// SimPO authors' 2.5 (TRL's CPO default is 0.1). Nil where the method has no β.
    public var defaultBeta: Double? {
        switch self {
        case .dpo, .orpo: 0.1
        case .simpo: 2.5
        default: nil
        }
    }

    /// The recipe a run's config.json records: the one table `resume` and `export` read.
    public static func of(_ configuration: RunConfiguration) -> Recipe {
        if configuration.rewardModel == true { return .reward }
        if configuration.grpo != nil { return .grpo }
        if configuration.ppo != nil { return .ppo }
        if let preference = configuration.preference {
            switch preference.kind {
            case "orpo": return .orpo
            case "simpo": return .simpo
            default: return .dpo
            }
        }
        return .sft
    }

    /// A learning rate as people write it: 2e-4, 5e-06 → 5e-6, 0.001 → 1e-3.
    public static func format(_ value: Double) -> String {
        guard value != 0 else { return "0" }
        let exponent = Int(floor(log10(abs(value))))
        let mantissa = value / pow(10, Double(exponent))
        let rounded = (mantissa * 1000).rounded() / 1000
        let m = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return exponent == 0 ? m : "\(m)e\(exponent)"
    }
}
