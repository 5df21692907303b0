/// Softmax and log-softmax over the last axis, numerically stable (each row's maximum is
/// subtracted first). Both backward passes need only the output, so neither saves anything.
/// Kernels are in Kernels/SoftmaxKernels.swift.

/// The shape of a tensor seen as [rows, last axis]; a scalar is one row of one.
func softmaxRows(_ shape: [Int]) -> (rows: Int, cols: Int) {
    let cols = shape.last ?? 1
    return (cols == 0 ? 0 : shape.reduce(1, *) / cols, cols)
}

/// softmax(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ along the last axis. Backward: dx = y ⊙ (g − Σ g⊙y).
struct SoftmaxOp: Op {
    var name: String { "softmax" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) {
        let x = inputs[0].rowMajorDetached()
        let (rows, cols) = softmaxRows(x.shape)
        let out = Tensor(uninitializedShape: x.shape)
        SoftmaxKernels.softmaxForward(x.pointer, out.pointer, rows: rows, cols: cols)
        return (out, ())
    }

    func backward(_ saved: Void, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let (rows, cols) = softmaxRows(output.shape)
        return [mappedBackward(output, gradient) { y, g, dx, _ in SoftmaxKernels.softmaxBackward(y, g, dx, rows: rows, cols: cols) }]
    }
}

/// log softmax(x) = x − ln Σ e^x along the last axis. Backward: dx = g − e^y · Σ g.
struct LogSoftmaxOp: Op {
    var name: String { "log_softmax" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) {
        let x = inputs[0].rowMajorDetached()
        let (rows, cols) = softmaxRows(x.shape)
        let out = Tensor(uninitializedShape: x.shape)
        SoftmaxKernels.logSoftmaxForward(x.pointer, out.pointer, rows: rows, cols: cols)
        return (out, ())
    }

    func backward(_ saved: Void, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let (rows, cols) = softmaxRows(output.shape)
        return [mappedBackward(output, gradient) { y, g, dx, _ in SoftmaxKernels.logSoftmaxBackward(y, g, dx, rows: rows, cols: cols) }]
    }
}

extension Tensor {
    /// Softmax over the last axis: each row is non-negative and sums to 1. Stable for any
    /// finite inputs; −∞ entries get probability 0 (a row of all −∞ gives NaN).
    public func softmax() -> Tensor { SoftmaxOp().apply([self]) }

    /// Log-softmax over the last axis, x − ln Σ e^x, computed without forming the softmax, so
    /// large logits (±1e4) neither overflow nor lose the small probabilities.
    public func logSoftmax() -> Tensor { LogSoftmaxOp().apply([self]) }
}

extension SoftmaxOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("softmax rows", [.init([3, 5])]) { $0[0].softmax() },
            GradCheckCase("softmax wide rows with a tail", [.init([2, 37])]) { $0[0].softmax() },
            GradCheckCase("softmax over a strided last axis", [.init([2, 4, 6], transposed: true)]) { $0[0].softmax() },
            GradCheckCase("softmax of a broadcast sum", [.init([3, 4]), .init([4])]) { ($0[0] + $0[1]).softmax() },
        ]
    }
}

extension LogSoftmaxOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("log_softmax rows", [.init([3, 5])]) { $0[0].logSoftmax() },
            GradCheckCase("log_softmax wide rows with a tail", [.init([2, 37])]) { $0[0].logSoftmax() },
            GradCheckCase("log_softmax over a strided last axis", [.init([5, 3], transposed: true)]) { $0[0].logSoftmax() },
        ]
    }
}
