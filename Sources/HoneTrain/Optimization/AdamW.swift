import HoneTensor

/// AdamW exactly as PyTorch's `torch.optim.AdamW` defines it: decoupled weight decay applied
/// first (p ← p·(1 − lr·wd)), then m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
/// p ← p − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε), with t counting every step (a step at lr 0
/// still advances the moments, as PyTorch's does).
public final class AdamW: Optimizer {
    public let parameters: [Tensor]
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Per parameter: the decay rate (0 for biases and norm weights under Hugging Face's rule).
    public var weightDecay: [Float]
    public internal(set) var step = 0
    var m: [[Float]]
    var v: [[Float]]

    public init(parameters: [Tensor], weightDecay: Float = 0, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.parameters = parameters
        self.weightDecay = parameters.map { _ in weightDecay }
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = parameters.map { [Float](repeating: 0, count: $0.count) }
        v = parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    /// One update with learning rate `lr` from the parameters' accumulated gradients (a
    /// parameter without a gradient is left alone, as PyTorch skips it).
    public func update(lr: Float) {
        step += 1
        // The scalars in Double, as PyTorch computes them in Python floats.
        let t = Double(step)
        let correction1 = 1 - pow(Double(beta1), t)
        let correction2Root = Float((1 - pow(Double(beta2), t)).squareRoot())
        let stepSize = Float(Double(lr) / correction1)
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad?.contiguous() else { continue }
            precondition(p.isContiguous, "AdamW: parameter \(index) is a view; parameters own their storage")
            let decay = Float(1 - Double(lr) * Double(weightDecay[index]))
            withExtendedLifetime(grad) {
                let g = grad.pointer, w = p.pointer
                m[index].withUnsafeMutableBufferPointer { m in
                    v[index].withUnsafeMutableBufferPointer { v in
                        for i in 0..<p.count {
                            w[i] *= decay
                            m[i] += (1 - beta1) * (g[i] - m[i])  // PyTorch's lerp
                            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                            let denominator = v[i].squareRoot() / correction2Root + epsilon
                            w[i] -= stepSize * m[i] / denominator
                        }
                    }
                }
            }
            p.storage.contentsChanged()
        }
    }

    /// The first and second moments per parameter, for checkpoints.
    public var state: OptimizerState {
        OptimizerState(step: step, buffers: ["exp_avg": m, "exp_avg_sq": v])
    }

    public func restore(_ state: OptimizerState) throws {
        m = try state.buffer("exp_avg", shapedLike: parameters)
        v = try state.buffer("exp_avg_sq", shapedLike: parameters)
        step = state.step
    }
}

#if canImport(Glibc)
import Glibc
#endif
