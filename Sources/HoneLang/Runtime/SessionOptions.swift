import Foundation
import HoneTensor

/// A session option that `set` changes. The table below is the one place options are declared;
/// `set`'s arguments, its help and its completion derive from it.
public struct SessionOption: Sendable {
    public var name: String
    public var type: ArgumentType
    public var defaultValue: Literal
    public var help: String
}

public enum Verbosity: String, Sendable, CaseIterable {
    case quiet, normal, full
}

extension SessionOption {
    public static let all: [SessionOption] = [
        SessionOption(
            name: "seed", type: .int(0...Int(UInt32.max)), defaultValue: .int(0),
            help: "seed of the random generator: the same seed gives the same numbers"),
        SessionOption(
            name: "threads", type: .int(1...256), defaultValue: .int(ProcessInfo.processInfo.activeProcessorCount),
            help: "threads for matrix products and kernels (default: the number of cores)"),
        SessionOption(
            name: "precision", type: .choice(Precision.allCases.map(\.rawValue)), defaultValue: .string("fp32"),
            help: "matrix products in fp32, or bf16 mixed precision (bf16 inputs, FP32 sums; oneDNN's AMX kernels, or FP32 products where the CPU has no AMX)"),
        SessionOption(
            name: "verbose", type: .choice(Verbosity.allCases.map(\.rawValue)), defaultValue: .string("normal"),
            help: "how much commands explain: `quiet` (results only), `normal`, `full` (the numbers behind them)"),
        SessionOption(
            name: "runs_dir", type: .path(extensions: []), defaultValue: .string("runs"),
            help: "where `train` puts runs (RUNS_DIR/NAME: config, metrics, checkpoints, plots), relative to the current directory"),
        SessionOption(
            name: "snapshots_dir", type: .path(extensions: []), defaultValue: .string("snapshots"),
            help: "where `snapshot save` puts snapshots (SNAPSHOTS_DIR/NAME, weights stored once in SNAPSHOTS_DIR/blobs), relative to the current directory"),
        SessionOption(
            name: "general", type: .word, defaultValue: .string(""),
            help: "a data set of general text: every `eval` after training also reports the drift in its perplexity against the base model (forgetting)"),
    ]

    public static func named(_ name: String) -> SessionOption? { all.first { $0.name == name } }
}
