import HoneModels
import HoneTensor

/// Per-sequence log-probabilities under a model, as TRL's DPO computes them: the sum over the
/// completion's tokens (EOS included) of log softmax(logits at t − 1)[token t]; the prompt is
/// not scored. Also the sum over every token after the first, for ORPO's NLL on the whole chosen
/// sequence. Both keep their graph, so a loss built on them trains the model (or its adapter).
public struct SequenceLogProbs {
    /// Summed completion log-probs, [batch].
    public var completion: Tensor
    /// Summed log-probs of every token after the first (prompt and completion), [batch].
    public var whole: Tensor
    public var completionCounts: [Int]
    public var wholeCounts: [Int]

    /// Runs `model` once over `batch`.
    public init(model: any LanguageModel, batch: SequenceBatch) {
        let logits = model.forward(tokens: batch.tokens, batch: batch.batch, cache: nil)
            .reshaped([batch.batch * batch.length, model.vocabularySize])
        let perToken = Tensor.tokenLogProbs(logits: logits, targets: batch.targets).reshaped([batch.batch, batch.length])
        let mask = Tensor(shape: [batch.batch, batch.length], values: batch.completionMask)
        completion = (perToken * mask).sum(axes: [1])
        whole = perToken.sum(axes: [1])
        completionCounts = batch.completionCounts
        wholeCounts = batch.scoredCounts
    }
}

/// The two sides of preference pairs: summed completion log-probs of the chosen and the
/// rejected completions, [pairs] each, with their token counts; the input of `PreferenceLoss`.
public struct PreferenceLogProbs {
    public var chosen: Tensor
    public var rejected: Tensor
    public var chosenCounts: [Int]
    public var rejectedCounts: [Int]
    /// The chosen sequences' summed log-probs over prompt and completion (after BOS), and their
    /// token counts: ORPO's NLL term. Nil when not computed.
    public var chosenWhole: Tensor?
    public var chosenWholeCounts: [Int]

    public init(chosen: Tensor, rejected: Tensor, chosenCounts: [Int], rejectedCounts: [Int],
                chosenWhole: Tensor? = nil, chosenWholeCounts: [Int] = []) {
        precondition(chosen.shape == rejected.shape && chosen.rank == 1, "PreferenceLogProbs: chosen \(chosen.shape) and rejected \(rejected.shape) must be equal [pairs]")
        precondition(chosenCounts.count == chosen.count && rejectedCounts.count == chosen.count, "PreferenceLogProbs: one token count per pair")
        self.chosen = chosen
        self.rejected = rejected
        self.chosenCounts = chosenCounts
        self.rejectedCounts = rejectedCounts
        self.chosenWhole = chosenWhole
        self.chosenWholeCounts = chosenWholeCounts
    }

    /// Runs `model` once over the batch (chosen and rejected together).
    public init(model: any LanguageModel, batch: PreferenceBatch) {
        let all = SequenceLogProbs(model: model, batch: batch.sequences)
        let p = batch.pairCount
        self.init(chosen: all.completion.sliced(axis: 0, 0..<p), rejected: all.completion.sliced(axis: 0, p..<2 * p),
                  chosenCounts: Array(all.completionCounts[0..<p]), rejectedCounts: Array(all.completionCounts[p...]),
                  chosenWhole: all.whole.sliced(axis: 0, 0..<p), chosenWholeCounts: Array(all.wholeCounts[0..<p]))
    }

    public var pairCount: Int { chosen.count }

    /// Chosen and rejected log-probs averaged over their completion tokens (SimPO, ORPO).
    public var averaged: (chosen: Tensor, rejected: Tensor) {
        (chosen / Tensor(shape: [pairCount], values: chosenCounts.map(Float.init)),
         rejected / Tensor(shape: [pairCount], values: rejectedCounts.map(Float.init)))
    }

    /// Detached copies, for a reference model's log-probs.
    public func detached() -> PreferenceLogProbs {
        PreferenceLogProbs(chosen: chosen.detached(), rejected: rejected.detached(), chosenCounts: chosenCounts,
                           rejectedCounts: rejectedCounts, chosenWhole: chosenWhole?.detached(), chosenWholeCounts: chosenWholeCounts)
    }
}
