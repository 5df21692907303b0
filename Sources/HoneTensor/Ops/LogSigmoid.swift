import Foundation

/// log σ(x), computed stably as min(x, 0) − log(1 + e^(−|x|)), as PyTorch's `F.logsigmoid`.
/// The preference losses (DPO, SimPO, ORPO, Bradley–Terry) are built on it; the composite
/// `sigmoid().log()` would overflow for large |x|. Keeps its input for the backward g·σ(−x).
///
/// Preference losses run on a few scalars per pair, so the loop is plain Double arithmetic.
struct LogSigmoidOp: Op {
    var name: String { "log_sigmoid" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Tensor) {
        inputs[0].mapped { x, out, count in
            for i in 0..<count {
                let v = Double(x[i])
                out[i] = Float(Swift.min(v, 0) - Foundation.log1p(Foundation.exp(-abs(v))))
            }
        }
    }

    func backward(_ x: Tensor, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        [mappedBackward(x, gradient) { x, g, dx, count in
            // d/dx log σ(x) = σ(−x) = 1 / (1 + e^x).
            for i in 0..<count { dx[i] = Float(Double(g[i]) / (1 + Foundation.exp(Double(x[i])))) }
        }]
    }
}

extension Tensor {
    /// log σ(x) elementwise, stable for any x (≈ x for x ≪ 0, ≈ −e^(−x) for x ≫ 0).
    public func logSigmoid() -> Tensor { LogSigmoidOp().apply([self]) }
}

extension LogSigmoidOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("log_sigmoid", [.init([3, 5])]) { $0[0].logSigmoid() },
            GradCheckCase("log_sigmoid of large values", [.init([4])], step: 1e-3) { ($0[0] * 30).logSigmoid() },
            GradCheckCase("log_sigmoid transposed", [.init([2, 3, 4], transposed: true)]) { $0[0].logSigmoid() },
        ]
    }
}
