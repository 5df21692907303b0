import HoneModels

/// HonePEFT will hold parameter-efficient fine-tuning: LoRA adapters and QLoRA's quantised
/// base weights, applied to HoneModels' layers. Nothing is implemented yet.
public enum HonePEFT {
    public static let version = HoneModels.version
    public static let modules = HoneModels.modules + ["HonePEFT"]
}
