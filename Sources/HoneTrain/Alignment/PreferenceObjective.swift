import HoneModels
import HonePEFT
import HoneTensor

/// Preference optimisation (DPO and its relatives) as a training objective. The reference
/// log-probabilities are computed once, up front, from the model as it is before training: with
/// its adapter disabled when an adapter trains, or its own weights before full fine-tuning, so
/// no second copy of the model is ever held.
public final class PreferenceObjective: TrainingObjective {
    public let pairs: [PreferencePair]
    public let lossKind: PreferenceLoss
    let padID: Int
    /// Per pair: the reference's summed completion log-probs (nil for reference-free losses).
    public private(set) var referenceChosen: [Float]?
    public private(set) var referenceRejected: [Float]?
    private var figureSums: [String: Double] = [:]
    private var figurePairs = 0

    public init(pairs: [PreferencePair], loss: PreferenceLoss, model: any LanguageModel, padID: Int = 0, batchSize: Int = 8) {
        self.pairs = pairs
        self.lossKind = loss
        self.padID = padID
        if loss.needsReference {
            let reference = Self.referenceLogProbs(pairs, model: model, padID: padID, batchSize: batchSize)
            referenceChosen = reference.chosen
            referenceRejected = reference.rejected
        }
    }

    /// The base model's summed completion log-probs for `pairs`: the model with its adapter
    /// disabled for the duration, without gradients.
    public static func referenceLogProbs(_ pairs: [PreferencePair], model: any LanguageModel, padID: Int = 0,
                                         batchSize: Int = 8) -> (chosen: [Float], rejected: [Float]) {
        let set = model.linearHook as? AdapterSet
        let wasEnabled = set?.isEnabled ?? false
        set?.isEnabled = false
        defer { set?.isEnabled = wasEnabled }
        return logProbs(pairs, model: model, padID: padID, batchSize: batchSize)
    }

    /// The model's summed completion log-probs (answer tokens and EOS) for `pairs` as it is now,
    /// without gradients: TRL's `logps/chosen` and `logps/rejected` before averaging.
    public static func logProbs(_ pairs: [PreferencePair], model: any LanguageModel, padID: Int = 0,
                                batchSize: Int = 8) -> (chosen: [Float], rejected: [Float]) {
        var chosen: [Float] = [], rejected: [Float] = []
        GradMode.withoutGradients {
            for start in stride(from: 0, to: pairs.count, by: batchSize) {
                let batch = PreferenceBatch(pairs: Array(pairs[start..<min(pairs.count, start + batchSize)]), padID: padID)
                let logps = PreferenceLogProbs(model: model, batch: batch)
                chosen += logps.chosen.scalars
                rejected += logps.rejected.scalars
            }
        }
        return (chosen, rejected)
    }

    public var exampleCount: Int { pairs.count }

    public func weight(of indices: [Int]) -> Int { indices.count }

    public func loss(model: any LanguageModel, indices: [Int], stepWeight: Int, microBatch: Int) -> (loss: Tensor, tokens: Int) {
        let chosen = indices.map { pairs[$0] }
        let policy = PreferenceLogProbs(model: model, batch: PreferenceBatch(pairs: chosen, padID: padID))
        let reference = reference(for: indices, counts: policy)
        let loss = lossKind.loss(policy: policy, reference: reference) * (Float(indices.count) / Float(max(1, stepWeight)))
        let metrics = PreferenceMetrics(loss: lossKind, policy: policy.detached(), reference: reference)
        for (name, value) in metrics.byTRLName { figureSums[name, default: 0] += value * Double(indices.count) }
        figurePairs += indices.count
        let tokens = chosen.reduce(0) { $0 + $1.prompt.count * 2 + $1.chosen.count + $1.rejected.count }
        return (loss, tokens)
    }

    func reference(for indices: [Int], counts policy: PreferenceLogProbs) -> PreferenceLogProbs? {
        guard let referenceChosen, let referenceRejected else { return nil }
        return PreferenceLogProbs(chosen: Tensor(shape: [indices.count], values: indices.map { referenceChosen[$0] }),
                                  rejected: Tensor(shape: [indices.count], values: indices.map { referenceRejected[$0] }),
                                  chosenCounts: policy.chosenCounts, rejectedCounts: policy.rejectedCounts)
    }

    public func takeStepFigures() -> [String: Double] {
        defer { figureSums = [:]; figurePairs = 0 }
        return figureSums.mapValues { $0 / Double(max(1, figurePairs)) }
    }

    /// Held-out pairs for `evaluateHeldOut`, with their reference log-probs taken now, before
    /// training changes the model (which matters for full fine-tuning).
    public func holdOut(_ pairs: [PreferencePair], model: any LanguageModel, batchSize: Int = 8) {
        heldOut = pairs
        heldReference = lossKind.needsReference ? Self.referenceLogProbs(pairs, model: model, padID: padID, batchSize: batchSize) : nil
    }

    public private(set) var heldOut: [PreferencePair] = []
    private var heldReference: (chosen: [Float], rejected: [Float])?

    /// The mean loss and metrics over the held-out pairs, without gradients.
    public func evaluateHeldOut(model: any LanguageModel, batchSize: Int = 8) -> (loss: Double, figures: [String: Double]) {
        let held = heldOut
        var lossSum = 0.0
        var sums: [String: Double] = [:]
        GradMode.withoutGradients {
            for start in stride(from: 0, to: held.count, by: batchSize) {
                let range = start..<min(held.count, start + batchSize)
                let policy = PreferenceLogProbs(model: model, batch: PreferenceBatch(pairs: Array(held[range]), padID: padID))
                let ref = heldReference.map {
                    PreferenceLogProbs(chosen: Tensor(shape: [range.count], values: Array($0.chosen[range])),
                                       rejected: Tensor(shape: [range.count], values: Array($0.rejected[range])),
                                       chosenCounts: policy.chosenCounts, rejectedCounts: policy.rejectedCounts)
                }
                lossSum += Double(lossKind.loss(policy: policy, reference: ref).scalars[0]) * Double(range.count)
                for (name, value) in PreferenceMetrics(loss: lossKind, policy: policy, reference: ref).byTRLName {
                    sums[name, default: 0] += value * Double(range.count)
                }
            }
        }
        let n = Double(max(1, held.count))
        return (lossSum / n, sums.mapValues { $0 / n })
    }
}
