import HoneTensor

/// How the next token is chosen from the last position's logits. The processors run in
/// Hugging Face `generate`'s order: repetition penalty, temperature, top-k, top-p, then a draw.
/// Temperature 0 is greedy decoding (the lowest id on ties, as llama2.c's `argmax`), whatever
/// the other settings.
public struct SamplingSettings: Sendable, Equatable {
    /// 0 is greedy; higher flattens the distribution (1 leaves it as the model gives it).
    public var temperature: Float = 1
    /// Keep only the k most likely tokens; 0 keeps all.
    public var topK: Int = 0
    /// Keep the smallest set of most likely tokens whose probabilities reach p; 1 keeps all.
    public var topP: Float = 1
    /// CTRL's penalty on tokens already in the sequence: a positive logit is divided by it, a
    /// negative one multiplied; 1 is off.
    public var repetitionPenalty: Float = 1
    public var seed: UInt64 = 0

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, repetitionPenalty: Float = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }

    public static let greedy = SamplingSettings(temperature: 0)

    /// The problems with these settings, empty when they are usable.
    public var problems: [String] {
        var found: [String] = []
        if !(temperature >= 0) || !temperature.isFinite { found.append("temperature is \(temperature), expected 0 or more") }
        if topK < 0 { found.append("top_k is \(topK), expected 0 (off) or more") }
        if !(topP > 0 && topP <= 1) { found.append("top_p is \(topP), expected a number in (0, 1]") }
        if !(repetitionPenalty > 0) || !repetitionPenalty.isFinite { found.append("repetition_penalty is \(repetitionPenalty), expected a positive number") }
        return found
    }
}

/// Draws tokens under `SamplingSettings`. Seeded: the same settings, logits and history give the
/// same tokens on every run.
public struct Sampler: Sendable {
    public let settings: SamplingSettings
    private var random: RandomGenerator

    public init(_ settings: SamplingSettings) {
        self.settings = settings
        random = RandomGenerator(seed: settings.seed)
    }

    /// The next token for `logits` (one position, vocabulary-sized) after the sequence `history`.
    public mutating func next(logits: [Float], history: [Int]) -> Int {
        // NaN (a broken model) never wins; +inf wins outright (greedy among the infinite ones).
        var logits = logits.map { $0.isNaN ? -Float.infinity : $0 }
        if settings.repetitionPenalty != 1 {
            for id in Set(history) where id >= 0 && id < logits.count {
                logits[id] = logits[id] > 0 ? logits[id] / settings.repetitionPenalty : logits[id] * settings.repetitionPenalty
            }
        }
        if settings.temperature == 0 { return Self.argmax(logits) }
        // Candidates sorted by logit, highest first (ties: lowest id first), cut by top-k.
        var order = Array(logits.indices)
        let k = settings.topK > 0 ? min(settings.topK, logits.count) : logits.count
        order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        if k < order.count { order.removeSubrange(k...) }
        let top = logits[order[0]]
        if !top.isFinite { return order[0] }
        var weights = order.map { Double((logits[$0] - top) / settings.temperature) }.map { exp($0) }
        let total = weights.reduce(0, +)
        for i in weights.indices { weights[i] /= total }
        if settings.topP < 1 {
            var cumulative = 0.0
            var keep = 0
            while keep < weights.count {
                cumulative += weights[keep]
                keep += 1
                if cumulative >= Double(settings.topP) { break }
            }
            order.removeSubrange(keep...)
            weights.removeSubrange(keep...)
        }
        let sum = weights.reduce(0, +)
        var u = random.nextDouble() * sum
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return order[i] }
        }
        return order[order.count - 1]
    }

    /// The index of the largest value, the lowest on ties.
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices.dropFirst() where values[i] > values[best] { best = i }
        return best
    }
}

#if canImport(Glibc)
import Glibc
#endif
