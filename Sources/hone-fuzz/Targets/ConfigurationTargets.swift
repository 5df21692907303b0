import Foundation
@testable import HoneModels
@testable import HonePEFT

enum ConfigurationTargets {
    static let gpt2Scratch = ScratchFile(suffix: "config.json")

    static let configJSON = FuzzTarget(
        name: "config-json", summary: "config.json of every architecture: DecoderFamily's readers, and GPT-2's",
        seeds: [.files(.shared, "models", named: ["config.json"])]
    ) { bytes in
        guard let json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return }
        if let configuration = try? DecoderFamily.configuration(json: json, path: fuzzInputName) {
            _ = configuration.family.displayName
        }
        if json["model_type"] as? String == "gpt2" {
            _ = try? HuggingFaceDirectory.gpt2Configuration(configPath: gpt2Scratch.write(bytes))
        }
    }

    static let adapterConfig = FuzzTarget(
        name: "adapter-config", summary: "PEFT's adapter_config.json",
        seeds: [.files(.shared, "models", named: ["adapter_config.json"])]
    ) { bytes in
        _ = try? PEFTAdapterFile.parseConfiguration(Data(bytes), file: fuzzInputName)
    }
}
