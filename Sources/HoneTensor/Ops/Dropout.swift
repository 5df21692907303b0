/// Inverted dropout: each element is zeroed with probability p and the survivors are scaled by
/// 1/(1−p), so the expected value is unchanged and evaluation needs no rescaling.
///
/// The mask is a function of (seed, stream, element index) through `CounterRandom`, so it is
/// the same for any thread count and is never stored: the op keeps its seed and stream as
/// attributes and backward regenerates the mask (a stored mask would cost at least a byte per
/// element for as long as the graph lives).

struct DropoutOp: Op {
    let p: Float
    let seed: UInt64
    let stream: UInt64
    var name: String { "dropout" }

    var random: CounterRandom { CounterRandom(seed: seed, stream: stream) }
    /// 1/(1−p); 0 when p = 1 (everything dropped).
    var scale: Float { p < 1 ? 1 / (1 - p) : 0 }

    func forward(_ inputs: [Tensor]) -> (Tensor, Void) {
        precondition(p >= 0 && p <= 1, "dropout: p must be in [0, 1], got \(p)")
        let (random, p, scale) = (self.random, self.p, self.scale)
        return (inputs[0].mapped { Activations.dropoutForward($0, $1, count: $2, random: random, p: p, scale: scale) }.output, ())
    }

    func backward(_ saved: Void, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let (random, p, scale) = (self.random, self.p, self.scale)
        return [gradient.mapped { Activations.dropoutForward($0, $1, count: $2, random: random, p: p, scale: scale) }.output]
    }
}

extension Tensor {
    /// Inverted dropout with probability `p` in [0, 1]: zeroes each element with probability p
    /// and scales the rest by 1/(1−p).
    ///
    /// **Dropout is active only while gradients are recorded, i.e. in training.** Under
    /// `GradMode.withoutGradients` (evaluation, generation), or when p is 0, it returns this
    /// tensor itself, unchanged. It is active in training even when this tensor needs no
    /// gradient (LoRA's dropout on a frozen layer's input).
    ///
    /// The mask depends only on `seed`, `stream` and each element's row-major index, so it is
    /// identical for any thread count; give each call site and step its own `stream` (or seed)
    /// for independent masks.
    public func dropout(p: Float, seed: UInt64, stream: UInt64) -> Tensor {
        precondition(p >= 0 && p <= 1, "dropout: p must be in [0, 1], got \(p)")
        if p == 0 || !GradMode.isEnabled { return self }
        return DropoutOp(p: p, seed: seed, stream: stream).apply([self])
    }
}

extension DropoutOp: GradCheckable {
    /// The cases apply the op directly: the public method is the identity without gradient
    /// recording, which is how the finite-difference side of the check runs.
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("dropout", [.init([4, 9])]) { DropoutOp(p: 0.3, seed: 11, stream: 2).apply([$0[0]]) },
            GradCheckCase("dropout transposed", [.init([3, 5], transposed: true)]) { DropoutOp(p: 0.5, seed: 5, stream: 0).apply([$0[0]]) },
        ]
    }
}
