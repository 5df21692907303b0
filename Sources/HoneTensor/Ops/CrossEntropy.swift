/// Softmax cross-entropy fused into one op, with PyTorch's semantics for
/// `F.cross_entropy(logits, targets, reduction="mean", ignore_index=-100)`.
///
/// Forward computes each row's log-sum-exp and keeps only that (2N floats: max and log-sum) besides a view of
/// the logits it was given; no [N, V] probability tensor is ever stored. Backward writes
/// (softmax − onehot) · g / counted straight into the logits' gradient, recomputing the softmax
/// from the saved log-sum-exp. For a [2048, 50257] batch that saves two 400 MB tensors over the
/// composite `-(logSoftmax · onehot).mean()`, which stays the test oracle (with `SoftmaxKernels.Reference`).

extension Tensor {
    /// The target value meaning "skip this row", as PyTorch's default `ignore_index`.
    public static let crossEntropyIgnoreIndex = -100
}

struct CrossEntropyOp: Op {
    /// One class index per row, or `crossEntropyIgnoreIndex`.
    let targets: [Int]
    var name: String { "cross_entropy" }

    struct Saved {
        /// The logits as given (a view; copied only when they were not row-major).
        let logits: Tensor
        /// Each row's maximum m and ln Σ e^(x − m), as [2, N].
        let rowStats: Tensor
        /// Rows whose target is not ignored.
        let counted: Int
    }

    func forward(_ inputs: [Tensor]) -> (Tensor, Saved) {
        let x = inputs[0].rowMajorDetached()
        precondition(x.rank >= 2, "cross_entropy: logits must be [N, V] (or [..., V]), got \(x.shape)")
        let (rows, cols) = softmaxRows(x.shape)
        precondition(targets.count == rows, "cross_entropy: \(targets.count) targets for logits \(x.shape) (\(rows) rows)")
        var counted = 0
        for (row, t) in targets.enumerated() {
            precondition((t >= 0 && t < cols) || t == Tensor.crossEntropyIgnoreIndex,
                         "cross_entropy: target \(t) of row \(row) is outside 0..<\(cols) and is not the ignore index \(Tensor.crossEntropyIgnoreIndex)")
            if t >= 0 { counted += 1 }
        }
        let stats = Tensor(uninitializedShape: [2, rows])
        let p = x.pointer, m = stats.pointer, l = stats.pointer + rows
        SoftmaxKernels.logSumExp(p, max: m, logSum: l, rows: rows, cols: cols)
        // Row loss: ln Σ e^x − x_t = (m − x_t) + ln Σ e^(x − m), summed in Double.
        var total = 0.0
        for (row, t) in targets.enumerated() where t >= 0 {
            total += (Double(m[row]) - Double(p[row * cols + t])) + Double(l[row])
        }
        let loss = counted == 0 ? 0 : Float(total / Double(counted))
        return (Tensor.scalar(loss), Saved(logits: x, rowStats: stats, counted: counted))
    }

    func backward(_ saved: Saved, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = saved.logits
        let (rows, cols) = softmaxRows(x.shape)
        let dx = Tensor(uninitializedShape: x.shape)
        let scale = saved.counted == 0 ? 0 : gradient.item() / Float(saved.counted)
        targets.withUnsafeBufferPointer { t in
            guard let t = t.baseAddress else { return }
            let stats = saved.rowStats.pointer
            SoftmaxKernels.crossEntropyBackward(x.pointer, max: stats, logSum: stats + rows, t, scale: scale, dx.pointer, rows: rows, cols: cols)
        }
        return [dx]
    }
}

extension Tensor {
    /// Mean softmax cross-entropy of `logits` [N, V] against one class index per row, as
    /// PyTorch's `F.cross_entropy(logits, targets)`: the mean over rows whose target is not
    /// `-100` (ignored rows count neither in the sum nor in the divisor). Logits of more axes,
    /// [..., V], are read as rows of V.
    ///
    /// When every row is ignored the loss is 0 and the gradient is zero (PyTorch returns NaN
    /// there); a batch of pure padding then trains nothing instead of poisoning the weights.
    ///
    /// Fused: it keeps only each row's log-sum-exp for backward, never a second [N, V] tensor.
    /// A target outside 0..<V other than -100 is a programmer's error (precondition); callers
    /// validate user data first.
    /// - Returns: a scalar (shape []).
    public static func crossEntropy(logits: Tensor, targets: [Int]) -> Tensor {
        CrossEntropyOp(targets: targets).apply([logits])
    }
}

extension CrossEntropyOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("cross_entropy", [.init([4, 7])]) { Tensor.crossEntropy(logits: $0[0], targets: [3, 0, 6, 2]) },
            GradCheckCase("cross_entropy with ignored rows", [.init([5, 19])]) {
                Tensor.crossEntropy(logits: $0[0], targets: [4, -100, 18, -100, 0])
            },
            GradCheckCase("cross_entropy of transposed logits", [.init([3, 6], transposed: true)]) {
                Tensor.crossEntropy(logits: $0[0], targets: [5, 1, 1])
            },
            GradCheckCase("cross_entropy of [B, T, V] logits", [.init([2, 3, 5])]) {
                Tensor.crossEntropy(logits: $0[0], targets: [0, 1, 2, 3, 4, -100])
            },
            GradCheckCase("cross_entropy with every row ignored", [.init([2, 4])]) {
                Tensor.crossEntropy(logits: $0[0], targets: [-100, -100])
            },
        ]
    }
}
