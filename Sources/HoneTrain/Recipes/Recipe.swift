import Foundation

/// A fine-tuning method, declared once: its command, the data it reads, its defaults where
/// methods differ, how its run's config.json is recognised, and what TRL and Axolotl call it.
/// The commands' help, `docs/LANGUAGE.md`, the runs they start, `resume` and `export` all read
/// these declarations, so a documented default cannot drift from the one used (issue 17: `help
/// dpo` once showed `train`'s learning rate).
///
/// Each recipe is declared in its own file (`SFTRecipe.swift`, `DPORecipe.swift`, …) and listed
/// in `allCases`. To add a method: write its recipe file and its command file in HoneLang
/// (which binds the arguments, builds the run and rebuilds it for `resume`), and list the two.
public struct Recipe: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What a recipe's examples are.
    public enum Examples: Sendable {
        /// Prompts with the answer to learn (SFT).
        case completions
        /// Prompts with a chosen and a rejected answer (DPO and the other preference methods).
        case pairs
        /// Prompts alone; the answers are sampled and scored (RL).
        case prompts
    }

    public let rawValue: String
    /// The hone command that runs it.
    public let command: String
    public let examples: Examples
    let adapterLearningRate: Double
    let fullLearningRate: Double
    /// β when `beta=` is not given, for the preference losses; nil where the method has none.
    public let defaultBeta: Double?
    /// True when a run's config.json is one of this recipe's.
    let recognises: @Sendable (RunConfiguration) -> Bool
    /// TRL's trainer for it, or why there is none.
    let trl: Result<TRLRecipe, ExportError>
    /// Axolotl's settings for it, or why there are none.
    let axolotl: Result<AxolotlRecipe, ExportError>

    init(_ rawValue: String, command: String, examples: Examples, learningRates: (adapter: Double, full: Double),
         defaultBeta: Double? = nil, recognises: @escaping @Sendable (RunConfiguration) -> Bool,
         trl: Result<TRLRecipe, ExportError>, axolotl: Result<AxolotlRecipe, ExportError>) {
        self.rawValue = rawValue
        self.command = command
        self.examples = examples
        self.adapterLearningRate = learningRates.adapter
        self.fullLearningRate = learningRates.full
        self.defaultBeta = defaultBeta
        self.recognises = recognises
        self.trl = trl
        self.axolotl = axolotl
    }

    /// Every recipe, in the order help and errors list them.
    public static let allCases: [Recipe] = [.sft, .dpo, .orpo, .simpo, .reward, .grpo, .ppo]

    public init?(rawValue: String) {
        guard let recipe = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = recipe
    }

    /// The recipe a run's config.json records: the one table `resume` and `export` read.
    public static func of(_ configuration: RunConfiguration) -> Recipe {
        allCases.first { $0.recognises(configuration) } ?? .sft
    }

    /// True for the methods trained on prompt/chosen/rejected pairs.
    public var usesPreferencePairs: Bool { examples == .pairs }

    /// The peak learning rate when `lr=` is not given.
    public func defaultLearningRate(method: TrainingMethod) -> Double {
        method == .full ? fullLearningRate : adapterLearningRate
    }

    /// How `help` states the learning-rate default: "2e-4 for adapters, 5e-5 for method=full".
    public var learningRateDefaultText: String {
        adapterLearningRate == fullLearningRate ? Self.format(adapterLearningRate)
            : "\(Self.format(adapterLearningRate)) for adapters, \(Self.format(fullLearningRate)) for method=full"
    }

    public var description: String { rawValue }
    public static func == (a: Recipe, b: Recipe) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let recipe = Recipe(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "`\(text)` is not a recipe; the recipes are " + Self.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        self = recipe
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
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

/// What `export trl` needs to know of a recipe: TRL's trainer and configuration classes, the
/// configuration's keyword arguments particular to it, and what cannot be exported.
struct TRLRecipe: Sendable {
    var module: String
    var trainer: String
    var config: String
    /// True when train.py tokenises the examples as hone does (the answers on their own) and hands
    /// TRL the ids; otherwise the trainer tokenises prompt and answer itself.
    var tokenisesAsHone = false
    var arguments: @Sendable (ExportPlan) -> [String: Any] = { _ in [:] }
    /// README rows for those arguments.
    var mappings: @Sendable (ExportPlan) -> [ExportMapping] = { _ in [] }
    var refusal: @Sendable (ExportPlan) -> ExportError? = { _ in nil }
}

/// What `export axolotl` needs to know of a recipe: its `rl:` value (nil for SFT), the lines of
/// a `datasets:` entry's type, its further config lines, and what cannot be exported.
struct AxolotlRecipe: Sendable {
    var rl: String?
    var datasetType: [String] = []
    var keys: @Sendable (ExportPlan) -> [String] = { _ in [] }
    var mappings: @Sendable (ExportPlan) -> [ExportMapping] = { _ in [] }
    var refusal: @Sendable (ExportPlan) -> ExportError? = { _ in nil }
}

extension Recipe {
    /// The `type:` lines Axolotl's user-defined preference format takes, every format string
    /// just its field: the prompt is already templated.
    static let axolotlPairType = ["    type:", "      field_prompt: prompt", "      field_chosen: chosen", "      field_rejected: rejected",
                                  "      prompt_format: \"{prompt}\"", "      chosen_format: \"{chosen}\"", "      rejected_format: \"{rejected}\""]

    /// The README row every preference recipe has.
    static func betaMapping(_ plan: ExportPlan, key: String) -> [ExportMapping] {
        plan.preference.map { [ExportMapping("beta", ExportNumber.number($0.beta), key: key)] } ?? []
    }
}
