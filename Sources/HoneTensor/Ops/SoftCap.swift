import Foundation

/// Soft-capping, cap·tanh(x/cap): Gemma 2 bounds its final logits (cap 30) and its attention
/// scores (cap 50, inside the attention kernels) this way, so no logit can run away while
/// small ones pass almost unchanged. Backward uses the output: d/dx = 1 − (y/cap)².
struct SoftCapOp: Op {
    let cap: Float
    var name: String { "softCap" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) {
        precondition(cap > 0 && cap.isFinite, "softCapped: the cap must be a positive number, got \(cap)")
        let cap = self.cap
        return (inputs[0].mapped { x, y, n in
            for i in 0..<n { y[i] = cap * Foundation.tanh(x[i] / cap) }
        }.output, ())
    }

    func backward(_ saved: Void, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let cap = self.cap
        return [mappedBackward(output, gradient) { y, g, dx, n in
            for i in 0..<n {
                let t = y[i] / cap
                dx[i] = g[i] * (1 - t * t)
            }
        }]
    }
}

extension Tensor {
    /// cap·tanh(x/cap) elementwise (Gemma 2's logit soft-capping).
    public func softCapped(_ cap: Float) -> Tensor { SoftCapOp(cap: cap).apply([self]) }
}

extension SoftCapOp: GradCheckable {
    static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("softCap", [.init([3, 5])]) { $0[0].softCapped(0.7) },
            GradCheckCase("softCap transposed", [.init([4, 3], transposed: true)]) { $0[0].softCapped(2) },
        ]
    }
}
