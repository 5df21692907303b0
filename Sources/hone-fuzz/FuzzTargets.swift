/// Every target, by the name `scripts/fuzz` and `hone-fuzz` take. A new reader gets its target here.
enum FuzzTargets {
    static let all: [FuzzTarget] = [
        CheckpointTargets.safetensors,
        CheckpointTargets.gguf,
        CheckpointTargets.llama2c,
        TokenizerTargets.tokenizerJSON,
        ConfigurationTargets.configJSON,
        ConfigurationTargets.adapterConfig,
        DataTargets.data,
        DataTargets.jinja,
        LanguageTargets.script,
        LanguageTargets.notebook,
        LanguageTargets.jupyterMessage,
    ]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
