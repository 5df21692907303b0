import HoneModels
import HonePEFT
import HoneTensor

/// PPO (Schulman et al. 2017) in the shape TRL's `PPOTrainer` gives it, as a training
/// objective. A rollout samples `samples` answers for each prompt of a micro-batch and scores
/// them; each answer token's reward is −β·(log π_old − log π_ref) (the k1 KL estimate against
/// the reference policy), and the last token also gets the answer's score. A value head on the
/// policy's hidden states estimates each token's return; GAE turns rewards and values into
/// advantages, whitened over the rollout. The loss is the clipped surrogate
/// max(−A·ρ, −A·clip(ρ, 1 ± ε)) with ρ = π/π_old, plus `valueCoefficient` × ½·max((V − R)²,
/// (clip(V, V_old ± ε_v) − R)²), both averaged over the answer tokens.
///
/// Each rollout is optimised for `epochs` optimizer steps before the next is drawn (TRL's
/// `num_ppo_epochs`), so step s uses the rollouts of step s − s mod epochs. Those are kept in
/// memory: a run resumed from a checkpoint in the middle of a rollout's epochs samples that
/// rollout again from the resumed weights.
public final class PPOObjective: TrainingObjective {
    /// What the KL penalty compares the policy with.
    public enum Reference {
        /// The base model: the adapter disabled (no second copy of anything).
        case adapterDisabled(AdapterSet)
        /// Full fine-tuning: the trainable weights as they were when training began, swapped in
        /// for the reference's forward (one copy of the trainable weights).
        case initialWeights([Tensor])
    }

    public let prompts: [[Int]]
    public let settings: PPOSettings
    public let reward: RewardFunction
    /// The value head's weight [hidden, 1] (`v_head.weight`), zero at the start.
    public let valueHead: Tensor
    let sampler: AnswerSampler
    let reference: Reference
    let initialWeights: [[Float]]
    let seed: UInt64
    let padID: Int
    let accumulate: Int
    private var order: BatchOrder
    private var rollouts: [Int: Rollout] = [:]
    private var figureSums: [String: Double] = [:]
    private var figureCount = 0

    /// One micro-batch's sampled answers and everything PPO fixes about them before optimising.
    struct Rollout {
        var batch: SequenceBatch
        /// Flat indices into [batch · length] of the positions that predict answer tokens.
        var positions: [Int]
        var oldLogProbs: [Float]
        var oldValues: [Float]
        var advantages: [Float]
        var returns: [Float]
        var scores: [Double]
        var kl: [Double]
        var lengths: [Int]
    }

    public init(prompts: [[Int]], reward: RewardFunction, settings: PPOSettings, tokenizer: any Tokenizer, hiddenSize: Int,
                reference: Reference, batchSize: Int, accumulate: Int, seed: UInt64 = 0, padID: Int = 0) {
        self.prompts = prompts
        self.reward = reward
        self.settings = settings
        self.reference = reference
        self.seed = seed
        self.padID = padID
        self.accumulate = accumulate
        sampler = AnswerSampler(tokenizer: tokenizer, maxNewTokens: settings.maxNewTokens, temperature: Float(settings.temperature), padID: padID)
        valueHead = Tensor.zeros([hiddenSize, 1])
        order = BatchOrder(exampleCount: prompts.count, batchSize: batchSize, seed: seed)
        if case .initialWeights(let tensors) = reference { initialWeights = tensors.map(\.scalars) } else { initialWeights = [] }
    }

    /// Each prompt counts `epochs` times, so the trainer's epochs are passes over the prompts.
    public var exampleCount: Int { prompts.count * settings.epochs }
    /// Every micro-batch weighs the same: its loss is a mean over its answer tokens.
    public func weight(of indices: [Int]) -> Int { 1 }

    public func loss(model: any LanguageModel, indices: [Int], stepWeight: Int, microBatch: Int) -> (loss: Tensor, tokens: Int) {
        let step = microBatch / accumulate, slot = microBatch % accumulate
        let key = (step - step % settings.epochs) * accumulate + slot
        rollouts = rollouts.filter { $0.key >= key - slot }
        // The rollout's prompts are the order's next batch: one batch per rollout, not per step.
        let rollout = rollouts[key] ?? makeRollout(model: model, key: key, batch: (step / settings.epochs) * accumulate + slot)
        rollouts[key] = rollout
        let (loss, figures) = surrogate(model: model, rollout: rollout)
        var all = figures
        all["reward"] = rollout.scores.reduce(0, +) / Double(rollout.scores.count)
        all["kl"] = rollout.kl.reduce(0, +) / Double(rollout.kl.count)
        all["length"] = Double(rollout.lengths.reduce(0, +)) / Double(rollout.lengths.count)
        for (name, value) in all { figureSums[name, default: 0] += value }
        figureCount += 1
        return (loss * (1 / Float(max(1, stepWeight))), rollout.batch.scoredCounts.reduce(rollout.batch.batch, +))
    }

    public func takeStepFigures() -> [String: Double] {
        defer { figureSums = [:]; figureCount = 0 }
        return figureSums.mapValues { $0 / Double(max(1, figureCount)) }
    }

    /// Samples and scores the answers of rollout `key`, then fixes old log-probs, values,
    /// rewards, advantages and returns, without gradients.
    func makeRollout(model: any LanguageModel, key: Int, batch index: Int) -> Rollout {
        var answers: [ScoredAnswer] = []
        for i in order.batch(index) {
            answers += sampler.sample(model: model, prompt: prompts[i], count: settings.samples,
                                      seedBase: SplitMix.mix(seed ^ UInt64(key) << 20 ^ UInt64(i)))
        }
        let scores = reward(answers)
        let batch = SequenceBatch(sequences: answers.map { ($0.prompt, $0.answer) }, padID: padID)
        let positions = batch.completionMask.indices.filter { batch.completionMask[$0] == 1 }
        let (old, values) = GradMode.withoutGradients { () -> ([Float], [Float]) in
            let (logProbs, values) = evaluate(model: model, batch: batch, positions: positions)
            return (logProbs.scalars, values.scalars)
        }
        let ref = GradMode.withoutGradients { referenceLogProbs(model: model, batch: batch, positions: positions) }
        var advantages: [Float] = [], returns: [Float] = [], kl: [Double] = []
        var start = 0
        let beta = Float(settings.klCoefficient)
        for (j, count) in batch.completionCounts.enumerated() {
            let range = start..<(start + count)
            var rewards = range.map { -beta * (old[$0] - ref[$0]) }
            rewards[count - 1] += Float(scores[j])
            kl.append(range.reduce(0.0) { $0 + Double(old[$1] - ref[$1]) })
            let gae = GAE.advantages(rewards: rewards, values: Array(values[range]), gamma: Float(settings.gamma), lambda: Float(settings.lambda))
            advantages += gae.advantages
            returns += gae.returns
            start += count
        }
        return Rollout(batch: batch, positions: positions, oldLogProbs: old, oldValues: values, advantages: GAE.whitened(advantages),
                       returns: returns, scores: scores, kl: kl, lengths: answers.map(\.generated))
    }

    /// Log-probs of the answer tokens and the values of the positions that predict them, from
    /// one forward: the values read the hidden states the logits are made from. Logits are
    /// divided by the sampling temperature (as TRL does), so the ratio and the KL describe the
    /// policy the answers were drawn from.
    func evaluate(model: any LanguageModel, batch: SequenceBatch, positions: [Int]) -> (logProbs: Tensor, values: Tensor) {
        let rows = batch.batch * batch.length
        let hidden = model.hiddenStates(tokens: batch.tokens, batch: batch.batch).reshaped([rows, model.hiddenSize])
        let perToken = Tensor.tokenLogProbs(logits: tempered(model.logits(hidden: hidden)), targets: batch.targets)
        let logProbs = Tensor.embedding(perToken.reshaped([rows, 1]), indices: positions, shape: [positions.count]).reshaped([positions.count])
        let values = Tensor.embedding(hidden, indices: positions, shape: [positions.count]).matmul(valueHead).reshaped([positions.count])
        return (logProbs, values)
    }

    func tempered(_ logits: Tensor) -> Tensor {
        settings.temperature == 1 ? logits : logits * Float(1 / settings.temperature)
    }

    func referenceLogProbs(model: any LanguageModel, batch: SequenceBatch, positions: [Int]) -> [Float] {
        func logProbs() -> [Float] {
            let logits = tempered(model.forward(tokens: batch.tokens, batch: batch.batch, cache: nil)
                .reshaped([batch.batch * batch.length, model.vocabularySize]))
            let perToken = Tensor.tokenLogProbs(logits: logits, targets: batch.targets).scalars
            return positions.map { perToken[$0] }
        }
        switch reference {
        case .adapterDisabled(let set):
            let was = set.isEnabled
            set.isEnabled = false
            defer { set.isEnabled = was }
            return logProbs()
        case .initialWeights(let tensors):
            let current = tensors.map(\.scalars)
            for (tensor, values) in zip(tensors, initialWeights) { tensor.assign(values) }
            defer { for (tensor, values) in zip(tensors, current) { tensor.assign(values) } }
            return logProbs()
        }
    }

    /// The clipped policy loss plus the weighted clipped value loss, with the figures TRL logs.
    /// max(a, b) with b constant where it wins is written as a selection: the gradient is a's
    /// where a ≥ b and zero elsewhere, as autograd gives it for max and clamp.
    func surrogate(model: any LanguageModel, rollout r: Rollout) -> (Tensor, [String: Double]) {
        let n = r.positions.count
        let (logProbs, values) = evaluate(model: model, batch: r.batch, positions: r.positions)
        let ratio = (logProbs - Tensor(shape: [n], values: r.oldLogProbs)).exp()
        let ratios = ratio.scalars, v = values.scalars
        let epsilon = Float(settings.clipRange), valueEpsilon = Float(settings.valueClipRange)
        var policyWeights = [Float](repeating: 0, count: n), policyConstant: Float = 0, clipped = 0
        var valueSelected = [Float](repeating: 0, count: n), valueConstant: Float = 0
        for i in 0..<n {
            let a = r.advantages[i]
            let unclipped = -a * ratios[i], clippedLoss = -a * min(max(ratios[i], 1 - epsilon), 1 + epsilon)
            if unclipped >= clippedLoss { policyWeights[i] = -a } else { policyConstant += clippedLoss; clipped += 1 }
            let plain = (v[i] - r.returns[i]) * (v[i] - r.returns[i])
            // Clamped around the old value directly: inside the range it is exactly v, so the
            // comparison below never drops a gradient to a rounding difference.
            let vClipped = min(max(v[i], r.oldValues[i] - valueEpsilon), r.oldValues[i] + valueEpsilon)
            let clippedValue = (vClipped - r.returns[i]) * (vClipped - r.returns[i])
            if plain >= clippedValue { valueSelected[i] = 1 } else { valueConstant += clippedValue }
        }
        let policyLoss = ((ratio * Tensor(shape: [n], values: policyWeights)).sum() + Tensor(shape: [], values: [policyConstant])) * (1 / Float(n))
        let error = (values - Tensor(shape: [n], values: r.returns)) * Tensor(shape: [n], values: valueSelected)
        let valueLoss = ((error * error).sum() + Tensor(shape: [], values: [valueConstant])) * (0.5 / Float(n))
        let loss = policyLoss + valueLoss * Float(settings.valueCoefficient)
        return (loss, ["policy_loss": Double(policyLoss.scalars[0]), "value_loss": Double(valueLoss.scalars[0]),
                       "clip_fraction": Double(clipped) / Double(n)])
    }

    /// The mean score of `samples` answers per held-out prompt, with fixed seeds so that
    /// evaluations before and after training compare the same draws.
    public func meanReward(on held: [[Int]], model: any LanguageModel) -> Double {
        var answers: [ScoredAnswer] = []
        for (i, prompt) in held.enumerated() {
            answers += sampler.sample(model: model, prompt: prompt, count: settings.samples, seedBase: SplitMix.mix(0xE7A1 &+ UInt64(i)))
        }
        let scores = reward(answers)
        return scores.isEmpty ? .nan : scores.reduce(0, +) / Double(scores.count)
    }
}
