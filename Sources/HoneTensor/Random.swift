import Foundation

/// hone's random numbers. A `RandomGenerator` is xoshiro256** seeded through SplitMix64; normal
/// samples use the Box–Muller transform in Double. Counter-based draws (`CounterRandom`) give
/// element `i` the same number whatever the thread that computes it, which keeps dropout masks
/// identical across thread counts. The same seed gives bitwise the same numbers.
public struct RandomGenerator: Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            return SplitMix.mix(x)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        Float(Double(low) + (Double(high) - Double(low)) * nextDouble())
    }

    /// Standard normal.
    public mutating func normal() -> Float {
        var u = nextDouble()
        while u == 0 { u = nextDouble() }
        let v = nextDouble()
        return Float((-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v))
    }

    /// A uniform integer in 0..<bound.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }
}

public enum SplitMix {
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random numbers addressed by index: `uniform(at: i)` depends only on the seed, the stream and i.
public struct CounterRandom: Sendable {
    public let key: UInt64

    public init(seed: UInt64, stream: UInt64) {
        key = SplitMix.mix(seed ^ SplitMix.mix(stream &+ 0x632B_E59B_D9B4_E019))
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public func uniform(at index: Int) -> Float {
        Float(SplitMix.mix(key &+ UInt64(bitPattern: Int64(index)) &* 0x9E37_79B9_7F4A_7C15) >> 40) * 0x1p-24
    }
}

