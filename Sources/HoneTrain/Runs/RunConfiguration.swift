import Foundation
import HonePEFT
import HoneTensor

/// A run's `config.json`: everything needed to understand it later and to rebuild it for
/// `resume` in a new process (the model's source, the adapter's settings, the data's
/// fingerprint and the training settings).
public struct RunConfiguration: Codable, Sendable {
    public struct ModelDescription: Codable, Sendable {
        public var name: String
        public var source: String
        public var architecture: String
        public var parameters: Int
        /// The base weights' storage when quantised (`nf4`, `q8_0`, …) for QLoRA.
        public var quantization: String?
        public init(name: String, source: String, architecture: String, parameters: Int, quantization: String? = nil) {
            self.name = name
            self.source = source
            self.architecture = architecture
            self.parameters = parameters
            self.quantization = quantization
        }
    }

    /// The adapter the run trained, by name, with the settings `resume` makes it again from.
    public struct AdapterDescription: Codable, Sendable {
        public var name: String
        public var settings: LoRASettings
        public init(name: String, settings: LoRASettings) {
            self.name = name
            self.settings = settings
        }
    }

    public struct DataDescription: Codable, Sendable {
        public var name: String
        public var file: String
        public var format: String
        public var examples: Int
        public var fingerprint: String
        public init(name: String, file: String, format: String, examples: Int, fingerprint: String) {
            self.name = name
            self.file = file
            self.format = format
            self.examples = examples
            self.fingerprint = fingerprint
        }
    }

    public var name: String
    public var created: String
    public var model: ModelDescription
    public var adapter: AdapterDescription?
    public var data: DataDescription
    public var validation: DataDescription?
    /// The template's name (`alpaca`, …) or its text when custom.
    public var template: String
    public var settings: TrainingSettings
    /// The preference loss for `dpo`, `orpo` and `simpo` runs; nil for supervised fine-tuning.
    public var preference: PreferenceLossSettings?
    /// The sampling and reward settings of a `grpo` run; nil otherwise.
    public var grpo: GRPOSettings?
    /// PPO's settings for a `ppo` run.
    public var ppo: PPOSettings?
    /// True for a `reward train` run (a scalar head, `score.weight`, trains with the adapter).
    public var rewardModel: Bool?
    public var totalSteps: Int
    /// What ran for the run's precision on the machine that started it: oneDNN's bf16 kernels
    /// with the ISA, or FP32 products and the CPU feature that was missing (nil before this was
    /// recorded).
    public var precisionPath: String?
    public var trainableParameters: Int
    /// The parameters weight decay skips (Hugging Face's rule: biases and norm weights).
    public var noWeightDecay: [String]

    public init(name: String, model: ModelDescription, adapter: AdapterDescription?, data: DataDescription,
                validation: DataDescription?, template: String, settings: TrainingSettings, totalSteps: Int,
                trainableParameters: Int, noWeightDecay: [String]) {
        self.name = name
        self.created = ISO8601DateFormatter().string(from: Date())
        self.model = model
        self.adapter = adapter
        self.data = data
        self.validation = validation
        self.template = template
        self.settings = settings
        self.precisionPath = (settings.precision ?? .fp32).pathDescription
        self.totalSteps = totalSteps
        self.trainableParameters = trainableParameters
        self.noWeightDecay = noWeightDecay
    }
}

/// A `grpo` run's settings, as config.json records them.
public struct GRPOSettings: Codable, Sendable, Equatable {
    public var reward: RewardRule
    public var group: Int
    public var maxNewTokens: Int
    public var temperature: Double

    public init(reward: RewardRule, group: Int = 8, maxNewTokens: Int = 32, temperature: Double = 1) {
        self.reward = reward
        self.group = group
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
    }
}
