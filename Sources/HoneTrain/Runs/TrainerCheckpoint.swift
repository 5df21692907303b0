import Foundation
import HoneModels
import HoneTensor

/// What a checkpoint holds besides weights and optimizer buffers: where the run was and what
/// early stopping had seen. With the run's seed this is the whole random state.
public struct CheckpointState: Codable, Sendable, Equatable {
    public var position: TrainerPosition
    public var totalSteps: Int
    public var bestValidationLoss: Double?
    public var evaluationsWithoutImprovement = 0
    /// Training time before this checkpoint, so a resumed run reports its total.
    public var elapsedSeconds = 0.0

    public init(position: TrainerPosition, totalSteps: Int, bestValidationLoss: Double? = nil,
                evaluationsWithoutImprovement: Int = 0, elapsedSeconds: Double = 0) {
        self.position = position
        self.totalSteps = totalSteps
        self.bestValidationLoss = bestValidationLoss
        self.evaluationsWithoutImprovement = evaluationsWithoutImprovement
        self.elapsedSeconds = elapsedSeconds
    }
}

/// A training checkpoint: `checkpoints/step-N/` in the run's folder, holding the trainable
/// weights (`trainable.safetensors`, by parameter name), the optimizer's buffers
/// (`optimizer.safetensors`, `BUFFER/NAME`) and `state.json`. The folder is written under a
/// temporary name and renamed, so a killed process leaves either a whole checkpoint or none.
public enum TrainerCheckpoint {
    public static let folder = "checkpoints"

    public static func directory(step: Int, in run: String) -> String {
        run + "/" + folder + "/step-" + String(step)
    }

    public static func save(_ trainer: Trainer, state: CheckpointState, in run: String) throws -> String {
        let final = directory(step: state.position.step, in: run)
        let temporary = run + "/" + folder + "/.step-\(state.position.step).partial"
        let fm = FileManager.default
        try? fm.removeItem(atPath: temporary)
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        try SafeTensorsWriter.write(trainer.parameters.map { ($0.name, $0.tensor) }, to: temporary + "/trainable.safetensors")
        let optimizer = trainer.optimizer.state
        var buffers: [(String, Tensor)] = []
        for (buffer, arrays) in optimizer.buffers.sorted(by: { $0.key < $1.key }) {
            for (p, values) in zip(trainer.parameters, arrays) {
                buffers.append((buffer + "/" + p.name, Tensor(shape: p.tensor.shape, values: values)))
            }
        }
        try SafeTensorsWriter.write(buffers, metadata: ["step": String(optimizer.step)], to: temporary + "/optimizer.safetensors")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(state)), to: temporary + "/state.json")
        try? fm.removeItem(atPath: final)
        try fm.moveItem(atPath: temporary, toPath: final)
        return final
    }

    /// The newest complete checkpoint of a run, if any.
    public static func latest(in run: String) -> (step: Int, path: String)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: run + "/" + folder)) ?? []
        let steps = names.compactMap { $0.hasPrefix("step-") ? Int($0.dropFirst(5)) : nil }
            .filter { FileManager.default.fileExists(atPath: directory(step: $0, in: run) + "/state.json") }
        return steps.max().map { ($0, directory(step: $0, in: run)) }
    }

    /// Puts a checkpoint's weights, optimizer state and position into `trainer`, checking that
    /// it trains exactly the parameters the checkpoint holds.
    public static func load(into trainer: Trainer, from path: String) throws -> CheckpointState {
        let state = try JSONDecoder().decode(CheckpointState.self, from: Data(contentsOf: URL(fileURLWithPath: path + "/state.json")))
        let weights = try SafeTensorsReader(path: path + "/trainable.safetensors")
        let expected = Set(trainer.parameters.map(\.name)), stored = Set(weights.names)
        guard expected == stored else {
            let missing = expected.subtracting(stored).sorted().prefix(3), extra = stored.subtracting(expected).sorted().prefix(3)
            throw TrainingError.checkpoint("the checkpoint at \(path) trains other parameters than this run"
                + (missing.isEmpty ? "" : "; it lacks \(missing.joined(separator: ", "))")
                + (extra.isEmpty ? "" : "; it has \(extra.joined(separator: ", ")), which this run does not train"))
        }
        for p in trainer.parameters {
            let t = try weights.tensor(p.name)
            guard t.shape == p.tensor.shape else {
                throw TrainingError.checkpoint("`\(p.name)` in \(path) has shape \(t.shape); the model's is \(p.tensor.shape)")
            }
            p.tensor.assign(t.scalars)
        }
        let optimizerFile = try SafeTensorsReader(path: path + "/optimizer.safetensors")
        var buffers: [String: [[Float]]] = [:]
        for buffer in Set(optimizerFile.names.compactMap { $0.split(separator: "/", maxSplits: 1).first.map(String.init) }) {
            buffers[buffer] = try trainer.parameters.map { p in
                let name = buffer + "/" + p.name
                guard optimizerFile.contains(name) else { throw TrainingError.checkpoint("the optimizer state in \(path) lacks `\(name)`") }
                return try optimizerFile.tensor(name).scalars
            }
        }
        let step = Int(optimizerFile.metadata["step"] ?? "") ?? state.position.step
        do {
            try trainer.optimizer.restore(OptimizerState(step: step, buffers: buffers))
        } catch let error as OptimizerStateError {
            throw TrainingError.checkpoint("\(path): \(error.description)")
        }
        trainer.restore(position: state.position)
        return state
    }
}
