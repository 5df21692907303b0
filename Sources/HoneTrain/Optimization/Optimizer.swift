import HoneTensor

/// What a trainer needs of an optimizer: an update from the accumulated gradients, and state
/// it can save in a checkpoint and restore exactly.
public protocol Optimizer: AnyObject {
    var parameters: [Tensor] { get }
    /// How many updates have been applied.
    var step: Int { get }
    func update(lr: Float)
    var state: OptimizerState { get }
    func restore(_ state: OptimizerState) throws
}

extension Optimizer {
    public func zeroGradients() { for p in parameters { p.zeroGrad() } }

    /// The global L2 norm of the gradients, summed in Double.
    public var gradientNorm: Double {
        var sum = 0.0
        for p in parameters {
            guard let g = p.grad?.contiguous() else { continue }
            withExtendedLifetime(g) {
                let values = g.pointer
                for i in 0..<g.count { sum += Double(values[i]) * Double(values[i]) }
            }
        }
        return sum.squareRoot()
    }

    /// Scales the gradients so their global norm is at most `maxNorm`, as PyTorch's
    /// `clip_grad_norm_` does (coefficient maxNorm / (norm + 1e-6), capped at 1). Returns the
    /// norm before clipping, which is what runs log.
    @discardableResult
    public func clipGradients(maxNorm: Double) -> Double {
        let norm = gradientNorm
        let coefficient = Float(maxNorm / (norm + 1e-6))
        guard coefficient < 1 else { return norm }
        for p in parameters {
            guard let g = p.grad else { continue }
            precondition(g.isContiguous, "clipGradients: a gradient is a view")
            withExtendedLifetime(g) {
                let values = g.pointer
                for i in 0..<g.count { values[i] *= coefficient }
            }
        }
        return norm
    }
}

/// An optimizer's per-parameter buffers (AdamW's moments, SGD's momentum) and its step count.
public struct OptimizerState {
    public var step: Int
    public var buffers: [String: [[Float]]]

    public init(step: Int, buffers: [String: [[Float]]]) {
        self.step = step
        self.buffers = buffers
    }

    /// The buffer `name`, checked to hold one array per parameter of the parameter's size.
    func buffer(_ name: String, shapedLike parameters: [Tensor]) throws -> [[Float]] {
        guard let arrays = buffers[name] else { throw OptimizerStateError("the optimizer state has no `\(name)`") }
        guard arrays.count == parameters.count else {
            throw OptimizerStateError("the optimizer state holds `\(name)` for \(arrays.count) parameters; this run trains \(parameters.count)")
        }
        for (i, (array, p)) in zip(arrays, parameters).enumerated() where array.count != p.count {
            throw OptimizerStateError("`\(name)` of parameter \(i) holds \(array.count) values; the parameter has \(p.count)")
        }
        return arrays
    }
}

public struct OptimizerStateError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
