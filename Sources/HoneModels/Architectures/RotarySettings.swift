// The rotary position embedding of a decoder layer: its base, how much of each head rotates,
// and how the angles are scaled for long contexts. The formulas are transformers 5.25's
// `modeling_rope_utils.py`, each step in float32 where PyTorch computes in float32 and in
// Double where transformers uses Python floats, so hone rotates q and k as a checkpoint's
// trainer did.
import Foundation
import HoneTensor

/// How the rotary angles are stretched beyond the pretraining context (`rope_type`).
public enum RotaryScaling: Sendable, Equatable {
    /// Plain RoPE.
    case none
    /// Position interpolation: every frequency divided by `factor`.
    case linear(factor: Double)
    /// Dynamic NTK: past `max_position_embeddings` the base grows with the sequence length.
    case dynamic(factor: Double)
    /// Llama 3.1: long wavelengths divided by `factor`, short ones kept, a smooth ramp between.
    case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Int)
    /// YaRN: interpolation blended with extrapolation per dimension, and cos/sin scaled by the
    /// attention factor.
    case yarn(factor: Double, originalContext: Int, attentionFactor: Double?, betaFast: Double, betaSlow: Double,
              mscale: Double?, mscaleAllDim: Double?, truncate: Bool)
    /// LongRoPE (Phi-3.5, Phi-4-mini): per-frequency factors, the long set once the sequence
    /// passes the original context, and cos/sin scaled by the attention factor.
    case longrope(shortFactors: [Double], longFactors: [Double], factor: Double?, originalContext: Int, attentionFactor: Double?)

    /// The `rope_type` name.
    public var typeName: String {
        switch self {
        case .none: "default"
        case .linear: "linear"
        case .dynamic: "dynamic"
        case .llama3: "llama3"
        case .yarn: "yarn"
        case .longrope: "longrope"
        }
    }
}

/// The rotary settings of one kind of layer.
public struct RotarySettings: Sendable, Equatable {
    public var theta: Double
    /// The fraction of each head that rotates (`partial_rotary_factor`).
    public var partialRotaryFactor: Double
    public var scaling: RotaryScaling

    public init(theta: Double, partialRotaryFactor: Double = 1, scaling: RotaryScaling = .none) {
        self.theta = theta
        self.partialRotaryFactor = partialRotaryFactor
        self.scaling = scaling
    }

    /// The number of values of a head of `headDim` that rotate: `int(head_dim · factor)`.
    public func rotaryDim(headDim: Int) -> Int { Int(Double(headDim) * partialRotaryFactor) }

    /// Whether the angles depend on the sequence length (dynamic NTK and LongRoPE), so they are
    /// computed per forward rather than once.
    public var dependsOnLength: Bool {
        switch scaling {
        case .dynamic, .longrope: true
        default: false
        }
    }

    /// The usable context: `max_position_embeddings`, times the factor for dynamic NTK (as
    /// transformers documents it).
    public func contextLength(maxPositionEmbeddings: Int) -> Int {
        if case .dynamic(let factor) = scaling { return Int(Double(maxPositionEmbeddings) * factor) }
        return maxPositionEmbeddings
    }

    /// theta^(2i/dim) in float32, as `base ** (arange(0, dim, 2).float() / dim)`.
    static func powers(base: Double, dim: Int) -> [Float] {
        (0..<(dim / 2)).map { i in
            let exponent = Float(2 * i) / Float(dim)
            return Float(Foundation.pow(Double(Float(base)), Double(exponent)))
        }
    }

    /// The angles for a forward whose last position is `sequenceLength − 1`, for heads of
    /// `headDim` in a model of `maxPositionEmbeddings`. Only dynamic NTK and LongRoPE read the
    /// length. transformers' dynamic NTK also remembers the longest length seen until a short
    /// sequence resets it; hone computes from each forward's own length, which agrees whenever
    /// positions only grow (training on whole sequences, generation).
    public func frequencies(headDim: Int, maxPositionEmbeddings: Int, sequenceLength: Int) -> RotaryFrequencies {
        let dim = rotaryDim(headDim: headDim)
        func inverse(_ base: Double) -> [Float] { Self.powers(base: base, dim: dim).map { 1 / $0 } }
        switch scaling {
        case .none:
            return RotaryFrequencies(inverseFrequencies: inverse(theta))
        case .linear(let factor):
            return RotaryFrequencies(inverseFrequencies: inverse(theta).map { $0 / Float(factor) })
        case .dynamic(let factor):
            let length = Double(max(sequenceLength, maxPositionEmbeddings))
            let max = Double(maxPositionEmbeddings)
            let base = theta * Foundation.pow(factor * length / max - (factor - 1), Double(dim) / Double(dim - 2))
            return RotaryFrequencies(inverseFrequencies: inverse(base))
        case .llama3(let factor, let low, let high, let original):
            let lowWavelength = Double(original) / low, highWavelength = Double(original) / high
            let f = Float(factor)
            let scaled: [Float] = inverse(theta).map { frequency in
                let wavelength = 2 * Float.pi / frequency
                if Double(wavelength) < highWavelength { return frequency }
                if Double(wavelength) > lowWavelength { return frequency / f }
                let smooth = (Float(original) / wavelength - Float(low)) / (Float(high) - Float(low))
                return (1 - smooth) * frequency / f + smooth * frequency
            }
            return RotaryFrequencies(inverseFrequencies: scaled)
        case .yarn(let factor, let original, let attentionFactor, let betaFast, let betaSlow, let mscale, let mscaleAllDim, let truncate):
            func yarnMScale(_ scale: Double, _ m: Double = 1) -> Double { scale <= 1 ? 1 : 0.1 * m * Foundation.log(scale) + 1 }
            let attention: Double
            if let attentionFactor { attention = attentionFactor }
            else if let mscale, let mscaleAllDim, mscale != 0, mscaleAllDim != 0 {
                attention = yarnMScale(factor, mscale) / yarnMScale(factor, mscaleAllDim)
            } else { attention = yarnMScale(factor) }
            func correctionDim(_ rotations: Double) -> Double {
                Double(dim) * Foundation.log(Double(original) / (rotations * 2 * Double.pi)) / (2 * Foundation.log(theta))
            }
            var low = correctionDim(betaFast), high = correctionDim(betaSlow)
            if truncate { (low, high) = (Foundation.floor(low), Foundation.ceil(high)) }
            low = Swift.max(low, 0)
            high = Swift.min(high, Double(dim - 1))
            if low == high { high += 0.001 }
            let powers = Self.powers(base: theta, dim: dim)
            let lowF = Float(low), span = Float(high - low), f = Float(factor)
            let blended: [Float] = powers.enumerated().map { i, power in
                let extrapolation = 1 / power, interpolation = 1 / (f * power)
                let ramp = Swift.min(Swift.max((Float(i) - lowF) / span, 0), 1)
                let extrapolationFactor = 1 - ramp
                return interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor
            }
            return RotaryFrequencies(inverseFrequencies: blended, attentionScaling: Float(attention))
        case .longrope(let short, let long, let factor, let original, let attentionFactor):
            let factor = factor ?? Double(maxPositionEmbeddings) / Double(original)
            let attention = attentionFactor
                ?? (factor <= 1 ? 1 : (1 + Foundation.log(factor) / Foundation.log(Double(original))).squareRoot())
            let factors = sequenceLength > original ? long : short
            let shape: [Float] = (0..<(dim / 2)).map { Float(2 * $0) / Float(dim) }
            let inverse: [Float] = shape.enumerated().map { i, exponent in
                let power = Float(Foundation.pow(Double(Float(theta)), Double(exponent)))
                return 1 / (Float(factors[i]) * power)
            }
            return RotaryFrequencies(inverseFrequencies: inverse, attentionScaling: Float(attention))
        }
    }

    /// Problems with these settings for heads of `headDim`, empty when usable.
    func problems(headDim: Int) -> [String] {
        var found: [String] = []
        if !(theta > 0) || !theta.isFinite { found.append("rope_theta is \(theta), expected a positive number") }
        if !(partialRotaryFactor > 0 && partialRotaryFactor <= 1) {
            found.append("partial_rotary_factor is \(partialRotaryFactor), expected a number in (0, 1]")
        }
        let dim = rotaryDim(headDim: headDim)
        if dim % 2 != 0 || dim < 2 { found.append("the rotary size \(dim) (head_dim × partial_rotary_factor) must be even and at least 2") }
        switch scaling {
        case .none: break
        case .linear(let factor), .dynamic(let factor):
            if !(factor >= 1) { found.append("the rope factor is \(factor), expected at least 1") }
            if case .dynamic = scaling, dim <= 2 { found.append("dynamic NTK needs a rotary size above 2") }
        case .llama3(let factor, let low, let high, let original):
            if !(factor >= 1) || !(high > low) || !(low > 0) || original <= 0 {
                found.append("llama3 rope parameters factor \(factor), low_freq_factor \(low), high_freq_factor \(high), original_max_position_embeddings \(original) are inconsistent")
            }
        case .yarn(let factor, let original, _, _, _, _, _, _):
            if !(factor >= 1) || original <= 0 { found.append("yarn needs factor ≥ 1 and a positive original_max_position_embeddings") }
        case .longrope(let short, let long, _, let original, _):
            if short.count != dim / 2 || long.count != dim / 2 {
                found.append("longrope short_factor and long_factor have \(short.count) and \(long.count) entries; the rotary size \(dim) needs \(dim / 2)")
            }
            if original <= 0 { found.append("longrope needs a positive original_max_position_embeddings") }
        }
        return found
    }
}
