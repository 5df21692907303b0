import HoneModels
import HoneTensor

/// A reward model's scalar head: the reward of a sequence is its final hidden state at the last
/// real token times a vector [hidden, 1], as Hugging Face's `…ForSequenceClassification` with one
/// label scores it. Initialised from a normal with std 0.02 (`initializer_range`), seeded.
public final class RewardHead {
    public let weight: Tensor

    public init(hidden: Int, seed: UInt64) {
        var random = RandomGenerator(seed: seed)
        weight = Tensor.randn([hidden, 1], std: 0.02, using: &random)
    }

    /// The rewards [n] of token sequences (each BOS first), with gradients to the head and to
    /// whatever the model trains.
    public func rewards(model: any LanguageModel, sequences: [[Int]], padID: Int = 0) -> Tensor {
        let length = sequences.map(\.count).max() ?? 1
        let tokens = sequences.flatMap { $0 + Array(repeating: padID, count: length - $0.count) }
        let hidden = model.hiddenStates(tokens: tokens, batch: sequences.count).reshaped([sequences.count * length, model.hiddenSize])
        let last = sequences.enumerated().map { $0.offset * length + $0.element.count - 1 }
        return Tensor.embedding(hidden, indices: last, shape: [sequences.count]).matmul(weight).reshaped([sequences.count])
    }
}

/// Reward-model training on preference pairs: the Bradley–Terry loss −log σ(r_chosen − r_rejected),
/// averaged over pairs, with accuracy (r_chosen > r_rejected) and margin reported per step.
public final class RewardObjective: TrainingObjective {
    public let pairs: [PreferencePair]
    public let head: RewardHead
    let padID: Int
    private var sums: [String: Double] = [:]
    private var counted = 0

    public init(pairs: [PreferencePair], head: RewardHead, padID: Int = 0) {
        self.pairs = pairs
        self.head = head
        self.padID = padID
    }

    public var exampleCount: Int { pairs.count }
    public func weight(of indices: [Int]) -> Int { indices.count }

    public func loss(model: any LanguageModel, indices: [Int], stepWeight: Int, microBatch: Int) -> (loss: Tensor, tokens: Int) {
        let chosen = indices.map { pairs[$0] }
        let sequences = chosen.map { $0.prompt + $0.chosen } + chosen.map { $0.prompt + $0.rejected }
        let r = head.rewards(model: model, sequences: sequences, padID: padID)
        let n = chosen.count
        let rc = r.sliced(axis: 0, 0..<n), rr = r.sliced(axis: 0, n..<2 * n)
        let loss = BradleyTerry.loss(chosen: rc, rejected: rr) * (Float(n) / Float(max(1, stepWeight)))
        let (c, j) = (rc.scalars, rr.scalars)
        for k in 0..<n {
            sums["rewards/accuracies", default: 0] += c[k] > j[k] ? 1 : 0
            sums["rewards/margins", default: 0] += Double(c[k] - j[k])
        }
        counted += n
        return (loss, sequences.reduce(0) { $0 + $1.count })
    }

    public func takeStepFigures() -> [String: Double] {
        defer { sums = [:]; counted = 0 }
        return sums.mapValues { $0 / Double(max(1, counted)) }
    }

    /// Accuracy and mean margin on `held` pairs, without gradients.
    public func evaluate(_ held: [PreferencePair], model: any LanguageModel, batchSize: Int = 8) -> (accuracy: Double, margin: Double) {
        var correct = 0.0, margin = 0.0
        GradMode.withoutGradients {
            for start in stride(from: 0, to: held.count, by: batchSize) {
                let part = Array(held[start..<min(held.count, start + batchSize)])
                let r = head.rewards(model: model, sequences: part.map { $0.prompt + $0.chosen } + part.map { $0.prompt + $0.rejected }, padID: padID).scalars
                for k in 0..<part.count {
                    correct += r[k] > r[part.count + k] ? 1 : 0
                    margin += Double(r[k] - r[part.count + k])
                }
            }
        }
        return (correct / Double(max(1, held.count)), margin / Double(max(1, held.count)))
    }
}
