import HonePEFT
import HoneTensor

/// One setting a run recorded, by the name the language writes it, with its value as text.
public struct RecordedSetting: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A run's configuration read back setting by setting, for `runs diff`. The declared settings
/// come from each settings type's `readings` (so a setting declared for `train`, `lora`, `dpo`,
/// `grpo` or `ppo` appears under its own name without being listed here); around them are what
/// config.json records that is not a declared setting: the recipe, the model, the data and the
/// template. The run's name, its creation time and what follows from the rest (trainable
/// parameters, the weights exempt from decay) are not settings and are left out.
extension RunConfiguration {
    /// Every setting the run recorded, in a fixed order: the recipe and model, the data, the
    /// adapter's, the shared training settings, then the recipe's own. A setting the run leaves
    /// unset (`steps` when `epochs` decides, `val` without validation data) is absent.
    public var recordedSettings: [RecordedSetting] {
        var out: [RecordedSetting] = [
            .init("recipe", Recipe.of(self).rawValue),
            .init("model", model.name),
            .init("model.source", model.source),
            .init("model.parameters", String(model.parameters)),
        ]
        if let q = model.quantization { out.append(.init("quantization", q)) }
        out.append(.init("method", settings.method == .full ? "full" : "adapter"))
        out.append(.init("lr", SettingDeclaration.Default.float(settings.learningRate).description))
        out.append(.init("precision", (settings.precision ?? .fp32).rawValue))
        out.append(.init("template", template))
        out += Self.describe(data, as: "data")
        if let validation { out += Self.describe(validation, as: "val") }

        if let adapter {
            // `seed` is the batch order's as well as A's: the adapter's takes a prefix where a
            // shared setting already has the name.
            let taken = Set(TrainingSettings.readings.map(\.name))
            out += Self.read(LoRASettings.readings, of: adapter.settings).map {
                taken.contains($0.name) ? RecordedSetting("adapter." + $0.name, $0.value) : $0
            }
        }
        out += Self.read(TrainingSettings.readings, of: settings)
        if let preference {
            out.append(.init("beta", SettingDeclaration.Default.float(preference.beta).description))
            out += Self.read(PreferenceLossSettings.readings, of: preference)
        }
        if let grpo {
            out.append(.init("reward", grpo.reward.description))
            out += Self.read(GRPOSettings.readings, of: grpo)
        }
        if let ppo {
            out.append(.init("reward", ppo.reward.description))
            out += Self.read(PPOSettings.readings, of: ppo)
        }
        return out
    }

    static func read<Root>(_ readings: [SettingReading<Root>], of root: Root) -> [RecordedSetting] {
        readings.compactMap { reading in reading.read(root).map { RecordedSetting(reading.name, $0.description) } }
    }

    /// A data set by name, file, size and fingerprint (`data`, `data.file`, `data.examples`,
    /// `data.fingerprint`): two runs on the same examples agree on the fingerprint whatever the
    /// data set was called.
    static func describe(_ data: DataDescription, as prefix: String) -> [RecordedSetting] {
        [.init(prefix, data.name), .init(prefix + ".file", data.file), .init(prefix + ".examples", String(data.examples)),
         .init(prefix + ".fingerprint", data.fingerprint)]
    }
}
