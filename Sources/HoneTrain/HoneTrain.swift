import HonePEFT

/// HoneTrain holds training over HoneModels and HonePEFT: data sets and templates (`Data/`), the
/// SFT loss and batches (`SFT/`), optimizers and schedules (`Optimization/`), the trainer and its
/// loop (`Training/`), runs and checkpoints (`Runs/`), evaluation (`Evaluation/`) and preference
/// losses (`Alignment/`).
public enum HoneTrain {
    public static let version = HonePEFT.version
    public static let modules = HonePEFT.modules + ["HoneTrain"]
}
