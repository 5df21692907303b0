/// Sums and means over axes.

struct SumOp: Op {
    let axes: [Int]
    let keepDims: Bool
    var name: String { "sum" }

    func forward(_ inputs: [Tensor]) -> (Tensor, [Int]) {
        (Reduce.sum(inputs[0], axes: axes, keepDims: keepDims), inputs[0].shape)
    }

    func backward(_ inputShape: [Int], output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        var kept = inputShape
        for a in axes { kept[a] = 1 }
        return [gradient.reshaped(kept).expandedView(to: inputShape)]
    }
}

/// The reduction kernels, outside the graph.
public enum Reduce {
    /// Sums over `axes` by moving them last and adding up each row.
    public static func sum(_ x: Tensor, axes: [Int], keepDims: Bool) -> Tensor {
        let axes = Array(Set(axes.map { $0 < 0 ? x.rank + $0 : $0 })).sorted()
        precondition(axes.allSatisfy { $0 >= 0 && $0 < x.rank }, "sum: axes \(axes) out of range for shape \(x.shape)")
        let kept = (0..<x.rank).filter { !axes.contains($0) }
        let moved = GradMode.withoutGradients { x.permuted(kept + axes).contiguous() }
        let rows = kept.map { x.shape[$0] }.reduce(1, *)
        let width = axes.map { x.shape[$0] }.reduce(1, *)
        var shape = x.shape
        for a in axes { shape[a] = 1 }
        let outShape = keepDims ? shape : kept.map { x.shape[$0] }
        let out = Tensor(uninitializedShape: outShape)
        withExtendedLifetime(moved) {
            let source = moved.pointer, target = out.pointer
            Parallel.forRanges(count: rows, grain: max(1, (1 << 15) / max(width, 1))) { range in
                for r in range { target[r] = Reduce.rowSum(source + r * width, count: width) }
            }
        }
        return out
    }

    /// The sum of `count` floats with SIMD accumulators (Swift does not reassociate float sums).
    @inline(__always)
    public static func rowSum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            acc0 += Elementwise.load(p, i)
            acc1 += Elementwise.load(p, i + 16)
            i += 32
        }
        while i + 16 <= count {
            acc0 += Elementwise.load(p, i)
            i += 16
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += p[i]
            i += 1
        }
        return total
    }
}

extension Tensor {
    /// The sum over `axes` (all axes when empty), keeping them as size 1 when `keepDims`.
    public func sum(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let axes = axes.isEmpty ? Array(0..<rank) : axes.map { $0 < 0 ? rank + $0 : $0 }
        return SumOp(axes: axes, keepDims: keepDims).apply([self])
    }

    public func mean(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let axes = axes.isEmpty ? Array(0..<rank) : Array(Set(axes.map { $0 < 0 ? rank + $0 : $0 })).sorted()
        let n = axes.map { shape[$0] }.reduce(1, *)
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(max(n, 1)))
    }
}
