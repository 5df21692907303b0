import HoneModels
import HonePEFT
import HoneTensor

/// GRPO as a training objective: for each prompt, `group` answers are sampled from the policy,
/// scored by the reward rule, and each answer's advantage is its reward's distance from its
/// group's mean in units of the group's spread, (r − mean) / (std + 1e-4), as TRL's
/// `scale_rewards="group"`. With one update per sample the clipped ratio is 1, so the loss is
/// −Σ A·log π(answer) over the answers' tokens ÷ their number (TRL's "dapo" normalisation);
/// β = 0 (TRL's default), and the KL to the reference (the adapter disabled) is reported, not
/// penalised.
public final class GRPOObjective: TrainingObjective {
    public let prompts: [[Int]]
    public let reward: RewardFunction
    public let group: Int
    public let maxNewTokens: Int
    public let temperature: Float
    public let seed: UInt64
    let tokenizer: any Tokenizer
    let padID: Int
    private var figureSums: [String: Double] = [:]
    private var figureCount = 0

    public convenience init(prompts: [[Int]], rule: RewardRule, tokenizer: any Tokenizer, group: Int = 8, maxNewTokens: Int = 32,
                            temperature: Float = 1, seed: UInt64 = 0, padID: Int = 0) {
        self.init(prompts: prompts, reward: .rule(rule), tokenizer: tokenizer, group: group, maxNewTokens: maxNewTokens,
                  temperature: temperature, seed: seed, padID: padID)
    }

    public init(prompts: [[Int]], reward: RewardFunction, tokenizer: any Tokenizer, group: Int = 8, maxNewTokens: Int = 32,
                temperature: Float = 1, seed: UInt64 = 0, padID: Int = 0) {
        self.prompts = prompts
        self.reward = reward
        self.tokenizer = tokenizer
        self.group = group
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
        self.seed = seed
        self.padID = padID
    }

    public var exampleCount: Int { prompts.count }
    public func weight(of indices: [Int]) -> Int { indices.count }

    /// `group` sampled answers (token ids, at least one each) and their rewards for `prompt`.
    func sample(model: any LanguageModel, prompt: [Int], seedBase: UInt64) -> [(ids: [Int], reward: Double)] {
        let answers = AnswerSampler(tokenizer: tokenizer, maxNewTokens: maxNewTokens, temperature: temperature, padID: padID)
            .sample(model: model, prompt: prompt, count: group, seedBase: seedBase)
        return zip(answers, reward(answers)).map { ($0.answer, $1) }
    }

    public func loss(model: any LanguageModel, indices: [Int], stepWeight: Int, microBatch: Int) -> (loss: Tensor, tokens: Int) {
        var sequences: [(prompt: [Int], completion: [Int])] = []
        var advantages: [Float] = []
        var rewards: [Double] = []
        for i in indices {
            let samples = sample(model: model, prompt: prompts[i], seedBase: SplitMix.mix(seed ^ UInt64(microBatch) << 20 ^ UInt64(i)))
            let r = samples.map(\.reward)
            let mean = r.reduce(0, +) / Double(r.count)
            let std = (r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, r.count - 1))).squareRoot()
            for s in samples {
                sequences.append((prompts[i], s.ids))
                advantages.append(Float((s.reward - mean) / (std + 1e-4)))
            }
            rewards += r
        }
        let batch = SequenceBatch(sequences: sequences, padID: padID)
        let logps = SequenceLogProbs(model: model, batch: batch)
        let tokens = batch.completionCounts.reduce(0, +)
        let weighted = logps.completion * Tensor(shape: [advantages.count], values: advantages)
        let loss = weighted.sum() * (-1 / Float(max(1, tokens))) * (Float(indices.count) / Float(max(1, stepWeight)))
        // The KL to the reference, k1 per token: mean over answers of (log π − log π_ref) / length.
        if let set = model.linearHook as? AdapterSet, set.isEnabled, set.active != nil {
            set.isEnabled = false
            let reference = GradMode.withoutGradients { SequenceLogProbs(model: model, batch: batch).completion.scalars }
            set.isEnabled = true
            let policy = logps.completion.scalars
            var kl = 0.0
            for j in 0..<policy.count { kl += Double(policy[j] - reference[j]) / Double(batch.completionCounts[j]) }
            kl /= Double(policy.count)
            figureSums["kl", default: 0] += kl * Double(indices.count)
        }
        figureSums["reward", default: 0] += rewards.reduce(0, +) / Double(max(1, rewards.count)) * Double(indices.count)
        figureSums["length", default: 0] += Double(tokens) / Double(max(1, sequences.count)) * Double(indices.count)
        figureCount += indices.count
        return (loss, batch.tokens.count)
    }

    public func takeStepFigures() -> [String: Double] {
        defer { figureSums = [:]; figureCount = 0 }
        return figureSums.mapValues { $0 / Double(max(1, figureCount)) }
    }

    /// The mean reward of `group` sampled answers per held-out prompt, with fixed seeds so that
    /// evaluations before and after training compare the same draws.
    public func meanReward(on held: [[Int]], model: any LanguageModel) -> Double {
        var total = 0.0, count = 0
        for (i, prompt) in held.enumerated() {
            for s in sample(model: model, prompt: prompt, seedBase: SplitMix.mix(0xE7A1 &+ UInt64(i))) {
                total += s.reward
                count += 1
            }
        }
        return count == 0 ? .nan : total / Double(count)
    }
}
