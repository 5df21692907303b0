import HoneModels
import HoneTensor

/// One adapted linear layer: y = base(x) + s·B(A(dropout(x))), or DoRA's magnitude-and-direction
/// form. A [r, in] and B [out, r] follow PEFT's shapes whatever the base weight's layout.
public final class LoRALayer {
    public let module: LinearModule
    public let a: Tensor
    public let b: Tensor
    /// DoRA's magnitude m [out]; nil for plain LoRA.
    public let magnitude: Tensor?
    public let scaling: Float
    public let dropout: Float
    /// Seeds the dropout masks; `step` gives each forward its own mask. A trainer sets `step`
    /// from its position in the data, so a resumed run draws the masks the uninterrupted one did.
    let dropoutSeed: UInt64
    public var step: UInt64 = 0

    public init(module: LinearModule, a: Tensor, b: Tensor, magnitude: Tensor?, scaling: Float, dropout: Float, seed: UInt64) {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[0] == b.shape[1] && a.shape[1] == module.inFeatures
                     && b.shape[0] == module.outFeatures, "LoRALayer: A \(a.shape) and B \(b.shape) do not fit \(module.name)")
        self.module = module
        self.a = a
        self.b = b
        self.magnitude = magnitude
        self.scaling = scaling
        self.dropout = dropout
        self.dropoutSeed = seed
    }

    public var rank: Int { a.shape[0] }
    public var parameters: [Tensor] { [a, b] + (magnitude.map { [$0] } ?? []) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The base weight in [out, in] layout (GPT-2's Conv1D stores it transposed).
    func outIn(_ weight: Tensor) -> Tensor { module.storesTransposed ? weight.transposed() : weight }

    /// s·B·A [out, in], without gradients.
    public func delta() -> Tensor {
        GradMode.withoutGradients { b.detached().matmul(a.detached()) * scaling }
    }

    /// ‖W + s·BA‖ per output row [out], without gradients (DoRA detaches the norm).
    func rowNorms(_ weight: Tensor) -> Tensor {
        GradMode.withoutGradients { Self.rowNorms(of: (outIn(weight.detached()) + delta()).contiguous()) }
    }

    /// The L2 norm of each row of a contiguous [rows, cols] matrix, summed in Double.
    static func rowNorms(of matrix: Tensor) -> Tensor {
        let (rows, cols) = (matrix.shape[0], matrix.shape[1])
        let values = matrix.scalars
        return Tensor(shape: [rows], values: (0..<rows).map { r in
            var sum = 0.0
            for c in 0..<cols { let v = Double(values[r * cols + c]); sum += v * v }
            return Float(sum.squareRoot())
        })
    }

    /// The low-rank path s·B(A(dropout(x))).
    func lowRank(_ x: Tensor) -> Tensor {
        var input = x
        if dropout > 0 && GradMode.isEnabled {
            // Through the checkpoint's tape: a recomputed layer must draw the same mask.
            let stream = GradientCheckpoint.stream {
                defer { step &+= 1 }
                return step
            }
            input = x.dropout(p: dropout, seed: dropoutSeed, stream: stream)
        }
        return input.matmul(a.transposed()).matmul(b.transposed()) * scaling
    }

    /// The layer's output for input x, weight and bias as the model stores them.
    func output(input x: Tensor, weight storedWeight: () -> Tensor, bias: Tensor?, base: () -> Tensor) -> Tensor {
        guard let magnitude else { return base() + lowRank(x) }
        let weight = storedWeight()
        // DoRA as PEFT computes it: ratio = m/‖W + s·BA‖ (norm detached),
        // out = base_out + (ratio − 1)·x·Wᵀ + ratio·s·B(A(x)).
        let ratio = magnitude / rowNorms(weight)
        let plain = module.storesTransposed ? x.matmul(weight) : x.matmul(weight.transposed())
        let baseOut = bias.map { plain + $0 } ?? plain
        return baseOut + (ratio * plain - plain) + ratio * lowRank(x)
    }

    /// The merged weight in the model's own layout: W + s·BA, or DoRA's m ⊙ (W + s·BA)/‖W + s·BA‖.
    func merged(_ weight: Tensor) -> Tensor {
        GradMode.withoutGradients {
            var combined = (outIn(weight.detached()) + delta()).contiguous()
            if let magnitude {
                let norms = Self.rowNorms(of: combined).reshaped([module.outFeatures, 1])
                combined = combined * (magnitude.detached().reshaped([module.outFeatures, 1]) / norms)
            }
            return module.storesTransposed ? combined.transposed().contiguous() : combined.contiguous()
        }
    }
}
