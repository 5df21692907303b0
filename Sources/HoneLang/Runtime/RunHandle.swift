import Foundation
import HoneTrain

/// A training run as the language sees it: `let r = train …` keeps it; `runs` lists them;
/// `resume r` continues it; `compare` and `plot` read its metrics.
public final class RunHandle: SessionObject, @unchecked Sendable {
    public enum Status: String, Sendable {
        case running, finished, interrupted, stopped, failed
    }

    public let name: String
    /// The run's folder: config.json, metrics.jsonl, checkpoints/.
    public let path: String
    public let configuration: RunConfiguration
    /// The model the run trained (by its session name) — `compare` uses it.
    public let modelName: String
    /// The live loop, while this session still holds the trainer (an in-session `resume`
    /// continues it without reloading anything).
    var loop: TrainingLoop?
    public internal(set) var status: Status
    /// Why it stopped, in words (`early stopping at step 40`, `interrupted at step 12`).
    public internal(set) var statusDetail = ""

    init(name: String, path: String, configuration: RunConfiguration, modelName: String, loop: TrainingLoop?, status: Status) {
        self.name = name
        self.path = path
        self.configuration = configuration
        self.modelName = modelName
        self.loop = loop
        self.status = status
    }

    public var events: [MetricsEvent] { RunLog.events(at: path + "/" + RunLog.metricsName) }
    public var trainingLosses: [(step: Int, loss: Double)] { events.filter { $0.kind == .train }.compactMap { e in e.loss.map { (e.step, $0) } } }
    public var validationLosses: [(step: Int, loss: Double)] { events.filter { $0.kind == .eval }.compactMap { e in e.validationLoss.map { (e.step, $0) } } }
    public var stepsDone: Int { trainingLosses.last?.step ?? 0 }
    public var elapsedSeconds: Double { events.last { $0.kind == .train }?.elapsedSeconds ?? 0 }

    public var typeName: String { "run" }

    public var summary: String {
        var text = "run \(name): \(status.rawValue), step \(stepsDone) of \(configuration.totalSteps)"
        if let last = trainingLosses.last { text += String(format: ", loss %.4f", last.loss) }
        if let best = validationLosses.map(\.loss).min() { text += String(format: ", best val_loss %.4f", best) }
        return text + ", in \(path)"
    }

    public var fieldNames: [String] {
        ["name", "path", "status", "steps", "total_steps", "loss", "val_loss", "losses", "val_losses", "evals", "step_log", "seconds", "model", "method"]
    }

    public func field(_ name: String) -> Value? {
        switch name {
        case "name": .string(self.name)
        case "path": .string(path)
        case "status": .string(status.rawValue)
        case "steps": .int(stepsDone)
        case "total_steps": .int(configuration.totalSteps)
        case "loss": trainingLosses.last.map { .float($0.loss) } ?? Value.none
        case "val_loss": validationLosses.last.map { .float($0.loss) } ?? Value.none
        case "losses": .list(trainingLosses.map { .float($0.loss) })
        case "val_losses": .list(validationLosses.map { .float($0.loss) })
        // Each evaluation with what its objective reports beside the loss (DPO's accuracy and
        // margin, a reward model's accuracy, GRPO's reward), so a script can assert on them;
        // TRL's names, with `_` for `/` (`rewards_margins`) to make them fields.
        // Each training step's loss, lr and figures; the first step's are measured before its
        // update, so for DPO they are the pairs' accuracy and margin at the start.
        case "step_log": .list(events.filter { $0.kind == .train }.map { e in
            .record(Record("step", [("step", .int(e.step)), ("loss", e.loss.map(Value.float) ?? .none), ("lr", e.learningRate.map(Value.float) ?? .none)]
                           + (e.figures ?? [:]).sorted { $0.key < $1.key }.map { ($0.key.replacingOccurrences(of: "/", with: "_"), Value.float($0.value)) }))
        })
        case "evals": .list(events.filter { $0.kind == .eval }.map { e in
            .record(Record("evaluation", [("step", .int(e.step)), ("val_loss", e.validationLoss.map(Value.float) ?? .none)]
                           + (e.figures ?? [:]).sorted { $0.key < $1.key }.map { ($0.key.replacingOccurrences(of: "/", with: "_"), Value.float($0.value)) }))
        })
        case "seconds": .float(elapsedSeconds)
        case "model": .string(modelName)
        case "method": .string(configuration.settings.method.rawValue)
        default: nil
        }
    }
}
