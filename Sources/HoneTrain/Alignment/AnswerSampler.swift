import HoneModels
import HoneTensor

/// Samples answers to a prompt for reinforcement learning, each with its own seed so that a
/// resumed run (and a fixed evaluation) draws the same answers. An answer that stopped at EOS
/// keeps it, so its log-probability includes ending there; an empty answer becomes EOS alone.
struct AnswerSampler {
    let tokenizer: any Tokenizer
    let maxNewTokens: Int
    let temperature: Float
    let padID: Int

    func sample(model: any LanguageModel, prompt: [Int], count: Int, seedBase: UInt64) -> [ScoredAnswer] {
        (0..<count).map { g in
            var sampling = SamplingSettings(temperature: temperature)
            sampling.seed = SplitMix.mix(seedBase &+ UInt64(g))
            let result = Generator.run(model: model, tokenizer: tokenizer, prompt: prompt,
                                       settings: GenerationSettings(maxNewTokens: maxNewTokens, sampling: sampling))
            var ids = result.newTokens
            if result.stopReason == .endOfSequence, let eos = tokenizer.eos { ids.append(eos) }
            if ids.isEmpty { ids = [tokenizer.eos ?? padID] }
            return ScoredAnswer(prompt: prompt, answer: ids, text: result.text, generated: result.newTokens.count)
        }
    }
}
