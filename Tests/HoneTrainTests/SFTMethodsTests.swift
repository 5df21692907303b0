import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import Testing
@testable import HoneTrain

/// The issue's end-to-end claim on real files: on stories260K with its tokenizer and the WikiSQL
/// data from ../shared/data, LoRA, QLoRA and full fine-tuning each lower the validation loss,
/// and the same seed gives the same losses twice.
@Suite("LoRA, QLoRA and full fine-tuning on stories260K and WikiSQL",
       .enabled(if: Shared.has("stories260K-hf/config.json") && FileManager.default.fileExists(atPath: Shared.path("../data/mlx-lora-wikisql/train.jsonl")),
                "the shared models or data are absent"))
struct SFTMethodsTests {
    enum Method: String, CaseIterable { case lora, qlora, full }

    static func examples(_ file: String, count: Int, tokenizer: any Tokenizer) throws -> [(ids: [Int], labels: [Int])] {
        let (data, problems) = try DataLoader.load(path: Shared.path("../data/mlx-lora-wikisql/" + file))
        #expect(problems.isEmpty && data.format == .text)
        let slice = DataSet(file: data.file, format: data.format, records: Array(data.records.prefix(count)), lines: Array(data.lines.prefix(count)))
        return SFTExamples(slice, template: .plain, tokenizer: tokenizer, maxLength: 160).examples
    }

    /// (validation loss before, after, the step losses).
    static func train(_ method: Method, steps: Int) throws -> (before: Double, after: Double, losses: [Double]) {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let tokenizer = try TokenizerLoader.load(directory: Shared.path("stories260K-hf"))
        let train = try examples("train.jsonl", count: 64, tokenizer: tokenizer)
        let valid = try examples("valid.jsonl", count: 24, tokenizer: tokenizer)
        var settings = TrainingSettings()
        settings.steps = steps
        settings.batchSize = 8
        settings.seed = 5
        settings.schedule = .constant
        var parameters: [TrainableParameter] = []
        var layers: [LoRALayer] = []
        switch method {
        case .full:
            settings.method = .full
            settings.learningRate = 2e-3
            parameters = model.parameters.map { TrainableParameter(name: $0.name, tensor: $0.tensor) }
        case .lora, .qlora:
            if method == .qlora {
                let report = try BaseQuantizer.quantize(model, format: .nf4)
                #expect(!report.quantized.isEmpty)
            }
            settings.learningRate = 1e-2
            let set = AdapterSet.on(model)
            try set.add(LoRAAdapter.fresh(name: "default", settings: LoRASettings(rank: 8, alpha: 16, dropout: 0.05, targets: ["all-linear"], seed: 3), on: model))
            layers = set.active!.layers
            parameters = layers.flatMap { [TrainableParameter(name: $0.module.name + ".A", tensor: $0.a), TrainableParameter(name: $0.module.name + ".B", tensor: $0.b)] }
        }
        let trainer = try Trainer(model: model, parameters: parameters, examples: train, settings: settings, dropoutLayers: layers)
        let before = trainer.meanLoss(on: valid)
        var losses: [Double] = []
        for _ in 0..<steps {
            guard case .completed(let record) = trainer.step() else { Issue.record("\(method): a step was not finite"); break }
            losses.append(record.loss)
        }
        if method == .full { for p in parameters { p.tensor.requiresGrad = false } }
        return (before, trainer.meanLoss(on: valid), losses)
    }

    @Test("each method lowers the validation loss, and a second run with the same seed gives identical losses",
          arguments: Method.allCases)
    func lowersValidationLoss(_ method: Method) throws {
        let first = try Self.train(method, steps: 12)
        print("\(method): validation loss \(first.before) → \(first.after); step losses \(first.losses)")
        #expect(first.after < first.before - 0.05, "\(method): \(first.before) → \(first.after)")
        let second = try Self.train(method, steps: 12)
        #expect(second.losses == first.losses, "\(method): the same seed gave different losses")
    }
}
