import HoneModels
import HoneTensor

/// The training loss of a causal language model, normalised as the issue requires: the summed
/// cross-entropy over a micro-batch's targets divided by the number of targets in the whole
/// accumulated batch, so `batch=8` and `batch=1 accumulate=8` give the same loss and step.
public enum CausalLMLoss {
    /// The micro-batch's summed CE ÷ `normalizer` (the accumulated batch's target count).
    public static func loss(model: any LanguageModel, batch: CausalLMBatch, normalizer: Int) -> Tensor {
        let logits = model.forward(tokens: batch.tokens, batch: batch.batch, cache: nil)
            .reshaped([batch.batch * batch.length, model.vocabularySize])
        let mean = Tensor.crossEntropy(logits: logits, targets: batch.targets)
        // crossEntropy averages over this micro-batch's targets; rescale to sum ÷ normalizer.
        return mean * (Float(batch.targetCount) / Float(max(1, normalizer)))
    }
}
