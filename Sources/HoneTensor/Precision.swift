/// The precision matrix products compute in, as PyTorch's CPU autocast chooses it: `fp32`
/// everywhere, or `bf16` mixed precision, where products take bf16 inputs and accumulate in
/// FP32 while norms, softmax, losses, rotary, optimizer state and every trained parameter's
/// master copy stay FP32.
///
/// Set for a computation with `Precision.$current.withValue(.bf16) { … }`: a task-local value,
/// so a bf16 run never changes the numbers of an FP32 one on another thread. A product records
/// the precision it ran in, and its backward pass uses the same one.
public enum Precision: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case fp32
    case bf16

    @TaskLocal public static var current: Precision = .fp32

    public var description: String { rawValue }

    /// How bf16 products run on this machine. oneDNN's bf16 products beat OpenBLAS's FP32 ones
    /// only with AMX (without it they run at half FP32's speed or less, or not at all), so
    /// elsewhere `bf16` computes its products in FP32 and is never slower than `fp32`. Follows
    /// the ISA oneDNN actually uses, which `ONEDNN_MAX_CPU_ISA` can lower.
    public enum Path: Sendable, Equatable {
        /// oneDNN's bf16 kernels on AMX.
        case oneDNN(OneDNN.ISA)
        /// FP32 products, because the named CPU feature is missing.
        case fp32Fallback(missing: String, isa: OneDNN.ISA)

        /// One line for a run's configuration and `show memory`.
        public var description: String {
            switch self {
            case .oneDNN(let isa): return "bf16 products on oneDNN \(OneDNN.version), \(isa.name)"
            case .fp32Fallback(let missing, let isa):
                return "bf16 requested; products run in FP32 (oneDNN uses \(isa.name) here, without \(missing), where its bf16 products are slower than FP32)"
            }
        }

        public var computesInBFloat16: Bool {
            if case .oneDNN = self { return true }
            return false
        }
    }

    public static let bfloat16Path: Path = {
        let isa = OneDNN.isa
        if let missing = isa.missingForAMX { return .fp32Fallback(missing: missing, isa: isa) }
        return .oneDNN(isa)
    }()

    /// The precision products actually compute in when `self` is requested.
    public var effective: Precision {
        self == .bf16 && (Precision.bfloat16Path.computesInBFloat16 || Precision.forcesBFloat16Kernels) ? .bf16 : .fp32
    }

    /// Tests set this to run oneDNN's bf16 kernels on a host without AMX (where they are
    /// correct, only slower), so the bf16 numbers are checked on every machine.
    @TaskLocal static var forcesBFloat16Kernels = false

    /// What runs when `self` is requested, in one line (for run configurations and notices).
    public var pathDescription: String {
        switch self {
        case .fp32: return "FP32 products on OpenBLAS"
        case .bf16: return Precision.bfloat16Path.description
        }
    }
}
