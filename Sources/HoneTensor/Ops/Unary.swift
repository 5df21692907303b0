/// Elementwise functions of one tensor: exp, log, ReLU, GELU (tanh approximation) and SiLU.
/// Each takes any view (a strided input is copied to row-major first) and returns a contiguous
/// tensor of the same shape. Kernels are in Kernels/Activations.swift.

extension Tensor {
    /// Row-major data outside the graph: this tensor's own storage when contiguous, else a copy.
    /// Ops use it in forward so reading an input never records a `contiguous` node.
    func rowMajorDetached() -> Tensor {
        isContiguous ? detached() : contiguousCopy()
    }

    /// Runs a one-input kernel into a fresh tensor of the same shape.
    func mapped(_ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> (output: Tensor, input: Tensor) {
        let x = rowMajorDetached()
        let out = Tensor(uninitializedShape: shape)
        kernel(x.pointer, out.pointer, x.count)
        return (out, x)
    }
}

/// Runs a backward kernel of (saved, gradient) into a fresh tensor.
func mappedBackward(
    _ saved: Tensor, _ gradient: Tensor,
    _ kernel: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
) -> Tensor {
    let g = gradient.rowMajorDetached()
    let dx = Tensor(uninitializedShape: saved.shape)
    withExtendedLifetime((saved, g)) { kernel(saved.pointer, g.pointer, dx.pointer, dx.count) }
    return dx
}

/// e^x. Backward uses the output: d e^x = e^x dx, so nothing is saved.
struct ExpOp: Op {
    var name: String { "exp" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) {
        (inputs[0].mapped { Activations.expForward($0, $1, count: $2) }.output, ())
    }

    func backward(_ saved: Void, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        [mappedBackward(output, gradient) { Elementwise.mul($0, $1, $2, count: $3) }]
    }
}

/// ln x. Keeps its input for the backward g/x.
struct LogOp: Op {
    var name: String { "log" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Tensor) {
        inputs[0].mapped { Activations.logForward($0, $1, count: $2) }
    }

    func backward(_ x: Tensor, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        [mappedBackward(x, gradient) { Elementwise.div($1, $0, $2, count: $3) }]
    }
}

/// max(x, 0). Backward reads the output's sign, so nothing is saved.
struct ReLUOp: Op {
    var name: String { "relu" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) {
        (inputs[0].mapped { Activations.reluForward($0, $1, count: $2) }.output, ())
    }

    func backward(_ saved: Void, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        [mappedBackward(output, gradient) { Activations.reluBackward($0, $1, $2, count: $3) }]
    }
}

/// GELU, tanh approximation (GPT-2's `gelu_new`). Keeps its input.
struct GELUOp: Op {
    var name: String { "gelu" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Tensor) {
        inputs[0].mapped { Activations.geluForward($0, $1, count: $2) }
    }

    func backward(_ x: Tensor, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        [mappedBackward(x, gradient) { Activations.geluBackward($0, $1, $2, count: $3) }]
    }
}

/// SiLU, x·σ(x) (Llama's MLP activation). Keeps its input.
struct SiLUOp: Op {
    var name: String { "silu" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Tensor) {
        inputs[0].mapped { Activations.siluForward($0, $1, count: $2) }
    }

    func backward(_ x: Tensor, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        [mappedBackward(x, gradient) { Activations.siluBackward($0, $1, $2, count: $3) }]
    }
}

extension Tensor {
    /// e^x elementwise (polynomial exp, relative error ≤ 1.2e-7; 0 below −87.34, +∞ above 88.72).
    public func exp() -> Tensor { ExpOp().apply([self]) }

    /// The natural logarithm elementwise (−∞ at 0, NaN below).
    public func log() -> Tensor { LogOp().apply([self]) }

    /// max(x, 0) elementwise; the gradient at 0 is 0.
    public func relu() -> Tensor { ReLUOp().apply([self]) }

    /// GELU in the tanh approximation GPT-2 uses:
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    public func gelu() -> Tensor { GELUOp().apply([self]) }

    /// SiLU (swish): x·σ(x).
    public func silu() -> Tensor { SiLUOp().apply([self]) }
}

extension ExpOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("exp", [.init([3, 5])]) { $0[0].exp() },
            GradCheckCase("exp transposed", [.init([4, 3], transposed: true)]) { $0[0].exp() },
        ]
    }
}

extension LogOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("log", [.init([3, 5], .positive)]) { $0[0].log() },
            GradCheckCase("log transposed", [.init([2, 3, 4], .positive, transposed: true)]) { $0[0].log() },
        ]
    }
}

extension ReLUOp: GradCheckable {
    /// ReLU has a kink at 0 that central differences straddle when an input lies within a step
    /// of it, so the cases keep inputs away from 0: positive inputs check the pass-through
    /// branch, negated positive inputs the zero branch.
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("relu both branches", [.init([3, 5], .positive), .init([3, 5], .positive)]) { $0[0].relu() + (-$0[1]).relu() },
            GradCheckCase("relu transposed", [.init([3, 4], .positive, transposed: true), .init([3, 4], .positive)]) {
                $0[0].relu() + (-$0[1]).relu()
            },
        ]
    }
}

extension GELUOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("gelu", [.init([4, 6])]) { $0[0].gelu() },
            GradCheckCase("gelu transposed", [.init([2, 5, 3], transposed: true)]) { $0[0].gelu() },
        ]
    }
}

extension SiLUOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("silu", [.init([4, 6])]) { $0[0].silu() },
            GradCheckCase("silu transposed times broadcast gate", [.init([5, 3], transposed: true), .init([3])]) { $0[0].silu() * $0[1] },
        ]
    }
}
