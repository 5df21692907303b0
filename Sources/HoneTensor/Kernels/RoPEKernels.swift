import Foundation

/// Rotary position embedding kernels on [B, T, H, D] buffers.
///
/// Angles follow Hugging Face's float32 arithmetic exactly (`LlamaRotaryEmbedding`,
/// `_compute_default_rope_parameters`): the exponent `2i/D`, the power `theta^(2i/D)`, the
/// inverse frequency `1/theta^(2i/D)` and the angle `position · inv_freq` are each rounded to
/// float32 as PyTorch rounds them; only cos and sin of that float32 angle are then taken in
/// Double and rounded once. A checkpoint trained with HF therefore sees the same rotations
/// here, including the float32 rounding of large angles at long positions (a few 1e-4 rad at
/// position 4096), to within one ulp of libm's pow, cos and sin.
public enum RoPEKernels {
    /// inv_freq[i] = 1 / theta^(2i/D) for i in 0..<D/2, in Hugging Face's float32 steps.
    public static func inverseFrequencies(dim: Int, theta: Float) -> [Float] {
        (0..<(dim / 2)).map { i in
            let exponent = Float(2 * i) / Float(dim)
            let power = Float(Foundation.pow(Double(theta), Double(exponent)))
            return 1 / power
        }
    }

    /// cos and sin of the angles, each [count, D/2] row-major, for positions
    /// startPosition..<startPosition+count.
    public static func table(startPosition: Int, count: Int, dim: Int, theta: Float) -> (cos: [Float], sin: [Float]) {
        table(startPosition: startPosition, count: count, frequencies: .standard(dim: dim, theta: theta))
    }

    /// cos and sin of position · inverseFrequencies[i], each [count, rotaryDim/2], multiplied by
    /// the attention scaling in float32 as Hugging Face multiplies them (`cos() * attention_scaling`).
    public static func table(startPosition: Int, count: Int, frequencies: RotaryFrequencies) -> (cos: [Float], sin: [Float]) {
        let inverse = frequencies.inverseFrequencies, scaling = frequencies.attentionScaling
        let half = inverse.count
        var cosines = [Float](repeating: 0, count: count * half), sines = cosines
        for t in 0..<count {
            let position = Float(startPosition + t)
            for i in 0..<half {
                let angle = Double(position * inverse[i])
                cosines[t * half + i] = Float(Foundation.cos(angle)) * scaling
                sines[t * half + i] = Float(Foundation.sin(angle)) * scaling
            }
        }
        return (cosines, sines)
    }

    /// Rotates each pair of every head of x [batch, time, heads, dim] by its angle (by minus
    /// its angle when `inverse`, which is the backward pass: a rotation's transpose is its
    /// inverse). Only the first `rotaryDim` values of each head rotate (all of them when nil);
    /// the rest are copied. `cos`/`sin` are [time, rotaryDim/2]. `out` may equal `x`.
    ///
    /// `.interleaved` pairs (x[2i], x[2i+1]); `.halfRotation` pairs (x[i], x[i + R/2]) with R
    /// the rotary size. Either way y₀ = x₀·cos − x₁·sin, y₁ = x₁·cos + x₀·sin.
    public static func rotate(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        batch: Int, time: Int, heads: Int, dim: Int, rotaryDim: Int? = nil,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        layout: RotaryLayout, inverse: Bool
    ) {
        let rotary = rotaryDim ?? dim
        let half = rotary / 2, rowSize = heads * dim
        let sign: Float = inverse ? -1 : 1
        Parallel.forRanges(count: batch * time, grain: max(1, (1 << 14) / max(rowSize, 1))) { range in
            for row in range {
                let t = row % time
                let c = cos + t * half, s = sin + t * half
                for h in 0..<heads {
                    let xh = x + row * rowSize + h * dim, yh = out + row * rowSize + h * dim
                    if rotary < dim && UnsafePointer(yh) != xh {
                        (yh + rotary).update(from: xh + rotary, count: dim - rotary)
                    }
                    switch layout {
                    case .halfRotation:
                        var i = 0
                        while i + 16 <= half {
                            let x0 = Elementwise.load(xh, i), x1 = Elementwise.load(xh, i + half)
                            let cv = Elementwise.load(c, i), sv = Elementwise.load(s, i) * sign
                            Elementwise.store(x0 * cv - x1 * sv, yh, i)
                            Elementwise.store(x1 * cv + x0 * sv, yh, i + half)
                            i += 16
                        }
                        while i < half {
                            let x0 = xh[i], x1 = xh[i + half], cv = c[i], sv = s[i] * sign
                            yh[i] = x0 * cv - x1 * sv
                            yh[i + half] = x1 * cv + x0 * sv
                            i += 1
                        }
                    case .interleaved:
                        for i in 0..<half {
                            let x0 = xh[2 * i], x1 = xh[2 * i + 1], cv = c[i], sv = s[i] * sign
                            yh[2 * i] = x0 * cv - x1 * sv
                            yh[2 * i + 1] = x1 * cv + x0 * sv
                        }
                    }
                }
            }
        }
    }
}

extension RoPEKernels {
    /// The naive twin: angles in Double straight from theta^(-2i/D) (no float32 steps), one
    /// element at a time. Agrees with the fast kernel to float32 rounding of the angle.
    public enum Reference {
        public static func rotate(
            _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
            batch: Int, time: Int, heads: Int, dim: Int, startPosition: Int, theta: Float,
            layout: RotaryLayout, inverse: Bool
        ) {
            let half = dim / 2
            for b in 0..<batch {
                for t in 0..<time {
                    for h in 0..<heads {
                        let base = ((b * time + t) * heads + h) * dim
                        for i in 0..<half {
                            let frequency = Foundation.pow(Double(theta), -Double(2 * i) / Double(dim))
                            let angle = Double(startPosition + t) * frequency * (inverse ? -1 : 1)
                            let (j0, j1) = layout == .interleaved ? (2 * i, 2 * i + 1) : (i, i + half)
                            let x0 = Double(x[base + j0]), x1 = Double(x[base + j1])
                            out[base + j0] = Float(x0 * Foundation.cos(angle) - x1 * Foundation.sin(angle))
                            out[base + j1] = Float(x1 * Foundation.cos(angle) + x0 * Foundation.sin(angle))
                        }
                    }
                }
            }
        }
    }
}
