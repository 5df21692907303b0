/// RMSNorm and LayerNorm over the last axis, each one fused kernel per direction
/// (Kernels/NormKernels.swift). Forward keeps the input, the weight and the per-row statistics
/// (rstd, and the mean for LayerNorm) as llm.c does; backward skips the weight and bias
/// gradients of a frozen norm.

/// y = x / √(mean(x²) + eps) · weight over the last axis (Llama, Hugging Face `LlamaRMSNorm`).
struct RMSNormOp: Op {
    let eps: Float
    var name: String { "rmsNorm" }

    struct Saved {
        let x: Tensor
        let weight: Tensor
        /// One 1/√(mean(x²) + eps) per row.
        let rstd: Tensor
    }

    func forward(_ inputs: [Tensor]) -> (Tensor, Saved) {
        let x = rowMajorCopyIfNeeded(inputs[0]), weight = rowMajorCopyIfNeeded(inputs[1])
        let width = x.shape.last ?? 0
        precondition(x.rank >= 1 && weight.shape == [width],
                     "rmsNorm: weight shape \(weight.shape) does not match the last axis of input shape \(x.shape)")
        let rows = width == 0 ? 0 : x.count / width
        let out = Tensor(uninitializedShape: x.shape)
        let rstd = Tensor(uninitializedShape: [rows])
        if x.count > 0 {
            NormKernels.rmsNormForward(x: x.pointer, weight: weight.pointer, eps: eps,
                                       out: out.pointer, rstd: rstd.pointer, rows: rows, width: width)
        }
        return (out, Saved(x: x.detached(), weight: weight.detached(), rstd: rstd))
    }

    func backward(_ saved: Saved, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = saved.x, width = x.shape.last ?? 0
        let rows = saved.rstd.count
        let g = rowMajorCopyIfNeeded(gradient)
        // A copy read only through `.pointer`: keep it alive until the kernel has run.
        defer { withExtendedLifetime(g) {} }
        let dx = needs[0] ? Tensor(uninitializedShape: x.shape) : nil
        let dw = needs[1] ? Tensor(uninitializedShape: [width]) : nil
        if x.count > 0 {
            NormKernels.rmsNormBackward(gradOutput: g.pointer, x: x.pointer, weight: saved.weight.pointer,
                                        rstd: saved.rstd.pointer, gradInput: dx?.pointer, gradWeight: dw?.pointer,
                                        rows: rows, width: width)
        } else {
            if let dw { Elementwise.fill(dw.pointer, 0, count: width) }
        }
        return [dx, dw]
    }
}

/// y = (x − mean) / √(var + eps) · weight + bias over the last axis, with the biased variance
/// (PyTorch's `nn.LayerNorm`, GPT-2).
struct LayerNormOp: Op {
    let eps: Float
    var name: String { "layerNorm" }

    struct Saved {
        let x: Tensor
        let weight: Tensor
        let mean: Tensor
        let rstd: Tensor
    }

    func forward(_ inputs: [Tensor]) -> (Tensor, Saved) {
        let x = rowMajorCopyIfNeeded(inputs[0]), weight = rowMajorCopyIfNeeded(inputs[1]), bias = rowMajorCopyIfNeeded(inputs[2])
        let width = x.shape.last ?? 0
        precondition(x.rank >= 1 && weight.shape == [width] && bias.shape == [width],
                     "layerNorm: weight \(weight.shape) and bias \(bias.shape) must both be [\(width)] for input shape \(x.shape)")
        let rows = width == 0 ? 0 : x.count / width
        let out = Tensor(uninitializedShape: x.shape)
        let mean = Tensor(uninitializedShape: [rows]), rstd = Tensor(uninitializedShape: [rows])
        if x.count > 0 {
            NormKernels.layerNormForward(x: x.pointer, weight: weight.pointer, bias: bias.pointer, eps: eps,
                                         out: out.pointer, mean: mean.pointer, rstd: rstd.pointer,
                                         rows: rows, width: width)
        }
        return (out, Saved(x: x.detached(), weight: weight.detached(), mean: mean, rstd: rstd))
    }

    func backward(_ saved: Saved, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = saved.x, width = x.shape.last ?? 0
        let rows = saved.rstd.count
        let g = rowMajorCopyIfNeeded(gradient)
        // A copy read only through `.pointer`: keep it alive until the kernel has run.
        defer { withExtendedLifetime(g) {} }
        let dx = needs[0] ? Tensor(uninitializedShape: x.shape) : nil
        let dw = needs[1] ? Tensor(uninitializedShape: [width]) : nil
        let db = needs[2] ? Tensor(uninitializedShape: [width]) : nil
        if x.count > 0 {
            NormKernels.layerNormBackward(gradOutput: g.pointer, x: x.pointer, weight: saved.weight.pointer,
                                          mean: saved.mean.pointer, rstd: saved.rstd.pointer,
                                          gradInput: dx?.pointer, gradWeight: dw?.pointer, gradBias: db?.pointer,
                                          rows: rows, width: width)
        } else {
            for t in [dw, db] { if let t { Elementwise.fill(t.pointer, 0, count: width) } }
        }
        return [dx, dw, db]
    }
}

extension Tensor {
    /// RMSNorm over the last axis: `x / √(mean(x²) + eps) * weight`, weight of shape [C]
    /// (Llama / Hugging Face semantics, statistics in float32).
    public func rmsNorm(weight: Tensor, eps: Float) -> Tensor {
        RMSNormOp(eps: eps).apply([self, weight])
    }

    /// LayerNorm over the last axis with the biased variance (as PyTorch):
    /// `(x − mean) / √(var + eps) * weight + bias`, weight and bias of shape [C].
    public func layerNorm(weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
        LayerNormOp(eps: eps).apply([self, weight, bias])
    }
}

extension RMSNormOp: GradCheckable {
    static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("rmsNorm", [.init([3, 8]), .init([8])]) { $0[0].rmsNorm(weight: $0[1], eps: 1e-5) },
            // 37 = two SIMD blocks of 16 and a scalar tail; the input is a transposed view.
            GradCheckCase("rmsNorm wide row of a transposed view", [.init([2, 4, 37], transposed: true), .init([37])]) {
                $0[0].rmsNorm(weight: $0[1], eps: 1e-6)
            },
        ]
    }
}

extension LayerNormOp: GradCheckable {
    static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("layerNorm", [.init([3, 8]), .init([8]), .init([8])]) {
                $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5)
            },
            GradCheckCase("layerNorm wide row of a transposed view", [.init([2, 4, 37], transposed: true), .init([37]), .init([37])]) {
                $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5)
            },
        ]
    }
}
