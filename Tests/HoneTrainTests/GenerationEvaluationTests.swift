import HoneModels
import Testing
@testable import HoneTrain

@Suite("greedy generation scored against references",
       .enabled(if: Shared.has("stories260K-hf/tokenizer.json"), "the shared models are absent"))
struct GenerationEvaluationTests {
    static func load() throws -> (LlamaModel, any Tokenizer) {
        (try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf")),
         try TokenizerLoader.load(directory: Shared.path("stories260K-hf")))
    }

    @Test("predictions are Generator.run's greedy text; the model's own answer scores 1, another less")
    func scores() throws {
        let (model, tokenizer) = try Self.load()
        let prompt = "Once upon a time"
        let ids = (tokenizer.bos.map { [$0] } ?? []) + tokenizer.encode(prompt, bos: false)
        let own = Generator.run(model: model, tokenizer: tokenizer, prompt: ids,
                                settings: GenerationSettings(maxNewTokens: 12, sampling: .greedy)).text
        #expect(!own.isEmpty)
        let metrics = try GenerationEvaluation.evaluate(
            model: model, tokenizer: tokenizer,
            items: [(prompt, own.uppercased()), (prompt, "a purple elephant")], maxNewTokens: 12)
        #expect(metrics.examples == 2)
        #expect(metrics.predictions.map(\.prediction) == [own, own])
        #expect(metrics.predictions[0].exactMatch && metrics.predictions[0].rougeL == 1)
        #expect(!metrics.predictions[1].exactMatch && !metrics.predictions[1].contains)
        #expect(metrics.exactMatch == 0.5)
        #expect(metrics.contains == 0.5)
        #expect(metrics.rougeL == (1 + metrics.predictions[1].rougeL) / 2)
        #expect(metrics.predictions.allSatisfy { $0.newTokens <= 12 })
    }

    @Test("an interrupted generation evaluation throws")
    func interrupted() throws {
        let (model, tokenizer) = try Self.load()
        var asked = 0
        #expect(throws: EvaluationError.interrupted(completedExamples: 0)) {
            try GenerationEvaluation.evaluate(model: model, tokenizer: tokenizer, items: [("Once", "x"), ("Lily", "y")]) {
                asked += 1
                return asked > 3
            }
        }
    }

    @Test("no items is an error")
    func empty() throws {
        let (model, tokenizer) = try Self.load()
        #expect(throws: EvaluationError.noExamples) {
            try GenerationEvaluation.evaluate(model: model, tokenizer: tokenizer, items: [])
        }
    }
}
