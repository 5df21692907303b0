/// The log-probability each row's logits give one target token: log softmax(x_r)[t_r], fused like
/// cross-entropy (only each row's log-sum-exp is kept, no [N, V] tensor). Rows whose target is
/// `crossEntropyIgnoreIndex` give 0 and get no gradient, so summing a row range gives a sequence's
/// log-probability over its scored tokens (DPO's summed completion log-probs).
///
/// Backward: row r of the logits' gradient is g_r · (onehot(t_r) − softmax(x_r)), written by the
/// cross-entropy kernel with scale −g_r.
struct TokenLogProbsOp: Op {
    let targets: [Int]
    var name: String { "token_log_probs" }

    struct Saved {
        let logits: Tensor
        /// Each row's maximum m and ln Σ e^(x − m), as [2, N].
        let rowStats: Tensor
    }

    func forward(_ inputs: [Tensor]) -> (Tensor, Saved) {
        let x = inputs[0].rowMajorDetached()
        precondition(x.rank >= 2, "token_log_probs: logits must be [N, V] (or [..., V]), got \(x.shape)")
        let (rows, cols) = softmaxRows(x.shape)
        precondition(targets.count == rows, "token_log_probs: \(targets.count) targets for logits \(x.shape) (\(rows) rows)")
        for (row, t) in targets.enumerated() {
            precondition((t >= 0 && t < cols) || t == Tensor.crossEntropyIgnoreIndex,
                         "token_log_probs: target \(t) of row \(row) is outside 0..<\(cols) and is not the ignore index")
        }
        let stats = Tensor(uninitializedShape: [2, rows])
        let p = x.pointer, m = stats.pointer, l = stats.pointer + rows
        SoftmaxKernels.logSumExp(p, max: m, logSum: l, rows: rows, cols: cols)
        let out = Tensor(uninitializedShape: Array(x.shape.dropLast()))
        for (row, t) in targets.enumerated() {
            out.pointer[row] = t < 0 ? 0 : Float((Double(p[row * cols + t]) - Double(m[row])) - Double(l[row]))
        }
        return (out, Saved(logits: x, rowStats: stats))
    }

    func backward(_ saved: Saved, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = saved.logits
        let (rows, cols) = softmaxRows(x.shape)
        let dx = Tensor(uninitializedShape: x.shape)
        let g = gradient.rowMajorDetached()
        withExtendedLifetime(g) {
            targets.withUnsafeBufferPointer { t in
                guard let t = t.baseAddress else { return }
                let stats = saved.rowStats.pointer
                for r in 0..<rows {
                    SoftmaxKernels.crossEntropyBackward(x.pointer + r * cols, max: stats + r, logSum: stats + rows + r, t + r,
                                                        scale: -g.pointer[r], dx.pointer + r * cols, rows: 1, cols: cols)
                }
            }
        }
        return [dx]
    }
}

extension Tensor {
    /// log softmax(logits_r)[targets_r] for each row of `logits` [N, V] (or [..., V], giving
    /// [...]): the log-probability of each target token, 0 where the target is `-100`.
    /// Equal to `-crossEntropy` of the row alone, without the mean.
    public static func tokenLogProbs(logits: Tensor, targets: [Int]) -> Tensor {
        TokenLogProbsOp(targets: targets).apply([logits])
    }
}

extension TokenLogProbsOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("token_log_probs", [.init([4, 7])]) { Tensor.tokenLogProbs(logits: $0[0], targets: [3, 0, 6, 2]) },
            GradCheckCase("token_log_probs of [B, T, V] with ignored rows", [.init([2, 3, 5])]) {
                Tensor.tokenLogProbs(logits: $0[0], targets: [0, -100, 2, 3, 4, -100]).sum(axes: [1])
            },
            GradCheckCase("token_log_probs of transposed logits", [.init([3, 6], transposed: true)]) {
                Tensor.tokenLogProbs(logits: $0[0], targets: [5, 1, 1])
            },
        ]
    }
}
