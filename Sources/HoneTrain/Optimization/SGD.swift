import HoneTensor

/// SGD with momentum as PyTorch's `torch.optim.SGD` defines it (dampening 0, not Nesterov):
/// g ← g + wd·p; b ← g on the first step, else b ← μ·b + g; p ← p − lr·b. Weight decay here is
/// L2 (added to the gradient), as in PyTorch, not AdamW's decoupled form.
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var momentum: Float
    public var weightDecay: [Float]
    public private(set) var step = 0
    private var buffers: [[Float]]

    public init(parameters: [Tensor], momentum: Float = 0.9, weightDecay: Float = 0) {
        self.parameters = parameters
        self.momentum = momentum
        self.weightDecay = parameters.map { _ in weightDecay }
        buffers = parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    public func update(lr: Float) {
        let first = step == 0
        step += 1
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad?.contiguous() else { continue }
            let decay = weightDecay[index], mu = momentum
            withExtendedLifetime(grad) {
                let g = grad.pointer, w = p.pointer
                buffers[index].withUnsafeMutableBufferPointer { b in
                    for i in 0..<p.count {
                        let d = g[i] + decay * w[i]
                        if mu == 0 {
                            w[i] -= lr * d
                        } else {
                            b[i] = first ? d : mu * b[i] + d
                            w[i] -= lr * b[i]
                        }
                    }
                }
            }
            p.storage.contentsChanged()
        }
    }

    public var state: OptimizerState { OptimizerState(step: step, buffers: ["momentum_buffer": buffers]) }

    public func restore(_ state: OptimizerState) throws {
        buffers = try state.buffer("momentum_buffer", shapedLike: parameters)
        step = state.step
    }
}
