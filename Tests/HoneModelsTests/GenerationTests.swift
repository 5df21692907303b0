import Foundation
@testable import HoneModels
import HoneTensor
import Testing

/// `count` greedy tokens after `prompt`, through the generator and its KV cache.
func greedyTokens(_ model: any LanguageModel, _ prompt: [Int], _ count: Int) -> [Int] {
    Generator.run(model: model, tokenizer: nil, prompt: prompt,
                  settings: GenerationSettings(maxNewTokens: count, sampling: .greedy, stopAtEndOfSequence: false)).newTokens
}

/// A random Llama small enough to run in a test, with every feature switched on: GQA, biases, untied.
func randomLlama(seed: UInt64 = 1, bias: Bool = true, layout: RotaryLayout = .halfRotation) throws -> LlamaModel {
    var config = LlamaConfiguration(hiddenSize: 32, intermediateSize: 48, numHiddenLayers: 2, numAttentionHeads: 4,
                                    numKeyValueHeads: 2, vocabSize: 40, maxPositionEmbeddings: 64, tieWordEmbeddings: false,
                                    queryKeyValueBias: bias, outputBias: bias, rotaryLayout: layout)
    config.rmsNormEps = 1e-5
    var random = RandomGenerator(seed: seed)
    var weights: [String: Tensor] = [:]
    for (name, shape) in config.parameterShapes {
        let count = shape.reduce(1, *)
        let scale: Float = name.hasSuffix("norm.weight") ? 0 : 0.3
        weights[name] = Tensor(shape: shape, values: (0..<count).map { _ in (name.hasSuffix("norm.weight") ? 1 : 0) + scale * random.normal() })
    }
    return try LlamaModel(configuration: config, weights: weights)
}

@Suite("generation: KV cache and sampling")
struct GenerationTests {
    @Test("a cached forward, chunk by chunk, gives the logits of the full forward")
    func cacheMatchesFullForward() throws {
        for bias in [false, true] {
            let model = try randomLlama(bias: bias)
            let tokens = [3, 17, 5, 39, 0, 22, 8, 8, 13]
            let full = GradMode.withoutGradients { model.forward(tokens: tokens) }.scalars
            let cache = model.makeCache()
            var cached: [Float] = []
            GradMode.withoutGradients {
                for chunk in [0..<4, 4..<5, 5..<9] {
                    cached += model.forward(tokens: Array(tokens[chunk]), batch: 1, cache: cache).scalars
                }
            }
            #expect(cache.length == tokens.count)
            let diff = zip(full, cached).map { abs($0 - $1) }.max()!
            #expect(diff < 1e-5, "bias \(bias): max difference \(diff)")
        }
    }

    @Test("lastPositionOnly gives the last row of the full logits")
    func lastPositionOnly() throws {
        let model = try randomLlama()
        let tokens = [3, 17, 5, 39, 0, 22]
        let full = GradMode.withoutGradients { model.forward(tokens: tokens) }.scalars
        let last = GradMode.withoutGradients { model.forward(tokens: tokens, batch: 1, cache: nil, lastPositionOnly: true) }
        #expect(last.shape == [1, 1, 40])
        #expect(zip(last.scalars, full.suffix(40)).map { abs($0 - $1) }.max()! < 1e-6)
    }

    @Test("NaN logits never win, and an infinite one wins outright")
    func nonFiniteLogits() {
        var sampler = Sampler(SamplingSettings(temperature: 1, seed: 1))
        #expect((0..<200).allSatisfy { _ in sampler.next(logits: [.nan, 0, .nan, -1], history: []) != 0 })
        #expect(sampler.next(logits: [0, .infinity, 3], history: []) == 1)
        #expect(sampler.next(logits: [-.infinity, -.infinity], history: []) == 0)
    }

    @Test("a batch of sequences gives each sequence's own logits")
    func batchRowsAreIndependent() throws {
        let model = try randomLlama()
        let a = [1, 2, 3, 4], b = [9, 8, 7, 6]
        let both = GradMode.withoutGradients { model.forward(tokens: a + b, batch: 2, cache: nil) }.scalars
        let one = GradMode.withoutGradients { model.forward(tokens: a).scalars + model.forward(tokens: b).scalars }
        #expect(zip(both, one).map { abs($0 - $1) }.max()! < 1e-5)
    }

    @Test("greedy decoding with the cache equals recomputing the whole sequence each step")
    func cachedGreedyEqualsRecompute() throws {
        let model = try randomLlama(seed: 7)
        var sequence = [5, 1]
        var expected: [Int] = []
        GradMode.withoutGradients {
            for _ in 0..<12 {
                let logits = model.forward(tokens: sequence).scalars
                let next = Sampler.argmax(Array(logits.suffix(model.vocabularySize)))
                expected.append(next)
                sequence.append(next)
            }
        }
        #expect(greedyTokens(model, [5, 1], 12) == expected)
    }

    @Test("the same seed draws the same tokens; another seed draws others")
    func samplingIsSeeded() throws {
        let model = try randomLlama(seed: 3)
        func sample(_ seed: UInt64) -> [Int] {
            Generator.run(model: model, tokenizer: nil, prompt: [1, 2],
                          settings: GenerationSettings(maxNewTokens: 30, sampling: SamplingSettings(temperature: 1.5, seed: seed))).newTokens
        }
        #expect(sample(11) == sample(11))
        #expect(sample(11) != sample(12))
    }

    @Test("top-k 1 and a tiny top-p both reduce sampling to greedy")
    func truncationToOneIsGreedy() throws {
        let model = try randomLlama(seed: 4)
        let expected = greedyTokens(model, [3], 15)
        for sampling in [SamplingSettings(temperature: 2, topK: 1, seed: 9), SamplingSettings(temperature: 2, topP: 1e-6, seed: 9)] {
            let got = Generator.run(model: model, tokenizer: nil, prompt: [3],
                                    settings: GenerationSettings(maxNewTokens: 15, sampling: sampling)).newTokens
            #expect(got == expected)
        }
    }

    @Test("the sampler draws each token about as often as its probability")
    func samplerFollowsTheDistribution() {
        let logits: [Float] = [log(0.5), log(0.3), log(0.2)]
        var sampler = Sampler(SamplingSettings(temperature: 1, seed: 5))
        var counts = [0, 0, 0]
        for _ in 0..<20_000 { counts[sampler.next(logits: logits, history: [])] += 1 }
        #expect(abs(Double(counts[0]) / 20_000 - 0.5) < 0.02)
        #expect(abs(Double(counts[2]) / 20_000 - 0.2) < 0.02)
        // top-p 0.75 keeps the two most likely tokens (0.5 + 0.3 ≥ 0.75) and never draws the third.
        var nucleus = Sampler(SamplingSettings(temperature: 1, topP: 0.75, seed: 5))
        #expect((0..<2_000).allSatisfy { _ in nucleus.next(logits: logits, history: []) != 2 })
    }

    @Test("the repetition penalty divides positive and multiplies negative logits of seen tokens")
    func repetitionPenalty() {
        var sampler = Sampler(SamplingSettings(temperature: 0, repetitionPenalty: 2))
        #expect(sampler.next(logits: [3, 2, -1], history: []) == 0)
        #expect(sampler.next(logits: [3, 2, -1], history: [0]) == 1)  // 3/2 < 2
        #expect(sampler.next(logits: [-1, -1.5, -5], history: [0]) == 1)  // -2 < -1.5
    }

    @Test("bad sampling settings are described")
    func settingsProblems() {
        #expect(SamplingSettings(temperature: -1, topK: -2, topP: 0, repetitionPenalty: 0).problems.count == 4)
        #expect(SamplingSettings().problems.isEmpty)
    }

    @Test("token ids and lengths the model cannot run are refused before running")
    func inputValidation() throws {
        let model = try randomLlama()
        #expect(throws: ModelInputError.tokenOutOfRange(index: 1, id: 40, vocabularySize: 40)) { try model.validate(tokens: [1, 40]) }
        #expect(throws: ModelInputError.empty) { try model.validate(tokens: []) }
        #expect(throws: ModelInputError.tooLong(positions: 65, contextLength: 64)) { try model.validate(tokens: Array(repeating: 1, count: 65)) }
    }

    @Test("generation stops at the end of the context")
    func contextFull() throws {
        let model = try randomLlama()
        let result = Generator.run(model: model, tokenizer: nil, prompt: Array(repeating: 1, count: 60),
                                   settings: GenerationSettings(maxNewTokens: 10, sampling: .greedy))
        #expect(result.stopReason == .contextFull)
        // 60 + 5 tokens: the last new token is sampled but never run, so it needs no position.
        #expect(result.newTokens.count == 5)
    }
}

/// A tokenizer whose token i is the character at index i of `alphabet` (29 is "\r", 30 "\n").
struct LetterTokenizer: Tokenizer {
    let alphabet: [Character] = Array("abcdefghijklmnopqrstuvwxyz .!") + ["\r", "\n"]
    var vocabularySize: Int { alphabet.count }
    var bos: Int? { nil }
    var eos: Int? { 28 }
    func encode(_ text: String, bos: Bool) -> [Int] { text.compactMap { alphabet.firstIndex(of: $0) } }
    func decode(_ ids: [Int]) -> String { ids.map { String(alphabet[$0]) }.joined() }
    var specialTokens: SpecialTokens { SpecialTokens(eos: SpecialToken(id: 28, text: "!")) }
    func piece(_ id: Int) -> String { String(alphabet[id]) }
    func ggufMetadata() -> [(key: String, value: GGUFValue)] { [] }
    func huggingFaceFiles() throws -> [(name: String, bytes: [UInt8])] { [] }
}

@Suite("generation: streamed text and stop strings")
struct TextStreamTests {
    @Test("a stop string ends the text before it, and no part of it is ever shown")
    func stopStringIsHeldBack() {
        let tokenizer = LetterTokenizer()
        var stream = TextStream(tokenizer: tokenizer, prompt: [0], stopStrings: ["end"])
        var shown = ""
        var stop: String?
        for id in tokenizer.encode("we end here", bos: false) {
            guard let (piece, s) = stream.append(id) else { continue }
            shown += piece
            if let s { stop = s; break }
        }
        #expect(stop == "end")
        #expect(shown == "we ")
        #expect(stream.text == "we ")
    }

    @Test("a token that extends the last character (\\r then \\n) is still shown")
    func crlfIsShown() {
        let tokenizer = LetterTokenizer()
        var stream = TextStream(tokenizer: tokenizer, prompt: [0], stopStrings: [])
        var shown = ""
        for id in [7, 8, 29, 30, 0] { shown += stream.append(id)?.0 ?? "" }
        shown += stream.finish()
        #expect(shown.unicodeScalars.elementsEqual("hi\r\na".unicodeScalars))
    }

    @Test("text that only looks like the start of a stop string is shown once it cannot be one")
    func falseStartIsReleased() {
        let tokenizer = LetterTokenizer()
        var stream = TextStream(tokenizer: tokenizer, prompt: [0], stopStrings: ["end"])
        var shown = ""
        for id in tokenizer.encode("en route", bos: false) { shown += stream.append(id)?.0 ?? "" }
        shown += stream.finish()
        #expect(shown == "en route")
    }
}
