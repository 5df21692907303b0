/// Elementwise arithmetic with NumPy broadcasting: `+ - * /` between tensors, and with scalars.

enum BinaryKind: String { case add, sub, mul, div }

/// `a op b` with broadcasting. It keeps its inputs for backward, which mul and div need.
struct BinaryOp: Op {
    let kind: BinaryKind
    var name: String { kind.rawValue }

    /// Add and sub keep nothing; mul and div keep their inputs (as views, no copy).
    func forward(_ inputs: [Tensor]) -> (Tensor, [Tensor]) {
        let keep = kind == .mul || kind == .div
        return (Broadcast.apply(kind, inputs[0], inputs[1]), keep ? inputs.map { $0.detached() } : [])
    }

    func backward(_ saved: [Tensor], output: Tensor, gradient g: Tensor, needs: [Bool]) -> [Tensor?] {
        switch kind {
        case .add: return [needs[0] ? g : nil, needs[1] ? g : nil]
        case .sub: return [needs[0] ? g : nil, needs[1] ? g * -1 : nil]
        case .mul: return [needs[0] ? g * saved[1] : nil, needs[1] ? g * saved[0] : nil]
        case .div:
            // d(a/b)/db = -a/b² = -(a/b)/b
            return [needs[0] ? g / saved[1] : nil, needs[1] ? (g * output.detached() / saved[1]) * -1 : nil]
        }
    }
}

/// `x * s` for a scalar s.
struct ScaleOp: Op {
    let factor: Float
    var name: String { "scale" }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) {
        let x = inputs[0].isContiguous ? inputs[0] : inputs[0].contiguousCopy()
        let out = Tensor(uninitializedShape: x.shape)
        withExtendedLifetime(x) { Elementwise.scale(x.pointer, factor, out.pointer, count: x.count) }
        return (out, ())
    }

    func backward(_ saved: Void, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        [gradient * factor]
    }
}

/// Shape arithmetic and dispatch for broadcasting binary kernels.
enum Broadcast {
    static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        return (0..<rank).map { i in
            let x = i - (rank - a.count) >= 0 ? a[i - (rank - a.count)] : 1
            let y = i - (rank - b.count) >= 0 ? b[i - (rank - b.count)] : 1
            precondition(x == y || x == 1 || y == 1, "broadcast: shapes \(a) and \(b) are incompatible")
            return max(x, y)
        }
    }

    static func kernel(_ kind: BinaryKind) -> (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void {
        switch kind {
        case .add: return { Elementwise.add($0, $1, $2, count: $3) }
        case .sub: return { Elementwise.sub($0, $1, $2, count: $3) }
        case .mul: return { Elementwise.mul($0, $1, $2, count: $3) }
        case .div: return { Elementwise.div($0, $1, $2, count: $3) }
        }
    }

    static func apply(_ kind: BinaryKind, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = Broadcast.shape(a.shape, b.shape)
        let out = Tensor(uninitializedShape: shape)
        let run = kernel(kind)
        if a.shape == shape && b.shape == shape {
            let (ac, bc) = (a.contiguous(), b.contiguous())
            withExtendedLifetime((ac, bc)) { run(ac.pointer, bc.pointer, out.pointer, out.count) }
            return out
        }
        // The common case of a row broadcast (x[..., n] op bias[n]): one kernel call per row.
        if a.shape == shape, b.count > 0, shape.count >= b.rank, Array(shape.suffix(b.rank)) == b.shape {
            let ac = a.contiguous(), bc = b.contiguous()
            // A copy read only through `.pointer`: keep it alive until the kernel has run.
            defer { withExtendedLifetime((ac, bc)) {} }
            let inner = b.count
            for row in 0..<(out.count / max(inner, 1)) {
                run(ac.pointer + row * inner, bc.pointer, out.pointer + row * inner, inner)
            }
            return out
        }
        let ae = a.shape == shape ? a.contiguous() : a.expandedView(to: shape).contiguousCopy()
        let be = b.shape == shape ? b.contiguous() : b.expandedView(to: shape).contiguousCopy()
        withExtendedLifetime((ae, be)) { run(ae.pointer, be.pointer, out.pointer, out.count) }
        return out
    }
}

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor { BinaryOp(kind: .add).apply([a, b]) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { BinaryOp(kind: .sub).apply([a, b]) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { BinaryOp(kind: .mul).apply([a, b]) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { BinaryOp(kind: .div).apply([a, b]) }
    public static func * (a: Tensor, s: Float) -> Tensor { ScaleOp(factor: s).apply([a]) }
    public static func * (s: Float, a: Tensor) -> Tensor { ScaleOp(factor: s).apply([a]) }
    public static func / (a: Tensor, s: Float) -> Tensor { ScaleOp(factor: 1 / s).apply([a]) }
    public static prefix func - (a: Tensor) -> Tensor { ScaleOp(factor: -1).apply([a]) }
}
