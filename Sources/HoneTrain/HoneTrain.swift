import HonePEFT

/// HoneTrain will hold training: losses, optimisers, full fine-tuning, DPO and RLHF loops over
/// HoneModels and HonePEFT. Nothing is implemented yet.
public enum HoneTrain {
    public static let version = HonePEFT.version
    public static let modules = HonePEFT.modules + ["HoneTrain"]
}
