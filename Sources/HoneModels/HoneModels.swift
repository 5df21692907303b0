import HoneTensor

/// HoneModels holds the language models built on HoneTensor: configs, architectures, tokenizers,
/// and checkpoint reading and writing. So far only `AtomicFile` (Checkpoint/) exists.
public enum HoneModels {
    public static let version = HoneTensor.version
    public static let modules = HoneTensor.modules + ["HoneModels"]
}
