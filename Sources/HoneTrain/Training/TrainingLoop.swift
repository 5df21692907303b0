import Foundation
import HoneTensor

/// What a running training loop reports, for the progress line, samples and warnings.
public enum TrainingEvent {
    case step(StepRecord, elapsedSeconds: Double, etaSeconds: Double, tokensPerSecond: Double)
    case evaluation(step: Int, validationLoss: Double, trainingLoss: Double, improved: Bool, figures: [String: Double])
    case samples(step: Int, [(prompt: String, text: String)])
    case checkpoint(step: Int, path: String)
    case warning(String)
}

/// Why a training loop returned.
public enum TrainingStop: Equatable {
    case finished
    /// Ctrl-C: stopped after the step in progress; a checkpoint was written.
    case interrupted(step: Int)
    /// `patience` evaluations without a lower validation loss; the best weights were put back.
    case earlyStopped(step: Int, bestStep: Int, bestLoss: Double)
    /// A NaN or infinite loss or gradient at `step`; the last good weights were put back.
    case nonFinite(step: Int, loss: Double, gradientNorm: Double, restoredPreviousStep: Bool)
}

/// Drives a `Trainer` to the end of its steps: evaluation every `evalEvery` steps with early
/// stopping, samples every `sampleEvery`, checkpoints every `saveEvery` and at the end, the
/// metrics log, and stopping cleanly on Ctrl-C or a non-finite loss.
public final class TrainingLoop {
    public let trainer: Trainer
    public let log: RunLog?
    public let validation: [(ids: [Int], labels: [Int])]
    public private(set) var state: CheckpointState
    /// Every completed step's record, and every evaluation's (step, loss), this session.
    public private(set) var records: [StepRecord] = []
    public private(set) var evaluations: [(step: Int, loss: Double)] = []
    /// Makes samples for `sampleEvery` (it needs the tokenizer and template, which the caller has).
    public var sampler: ((Int) -> [(prompt: String, text: String)])?
    /// Replaces the SFT validation loss for other objectives (preference optimisation's held-out
    /// pairs): the loss early stopping watches, and figures to report beside it.
    public var validator: (() -> (loss: Double, figures: [String: Double]))?
    private var bestWeights: [[Float]]?
    private var bestStep = 0
    private var lossesSinceEvaluation: [Double] = []
    private var previousEvaluation: (validation: Double, training: Double)?

    public init(trainer: Trainer, log: RunLog?, validation: [(ids: [Int], labels: [Int])] = [], state: CheckpointState? = nil) {
        self.trainer = trainer
        self.log = log
        self.validation = validation
        self.state = state ?? CheckpointState(position: trainer.position, totalSteps: trainer.totalSteps)
        // Past evaluations, when resuming, so plots and `runs` see the whole run.
        if let log { evaluations = log.events().filter { $0.kind == .eval }.compactMap { e in e.validationLoss.map { (e.step, $0) } } }
    }

    /// Runs in the precision of the run's settings, whatever the caller's, so `resume` continues
    /// a bf16 run in bf16.
    public func run(isInterrupted: () -> Bool, onEvent: (TrainingEvent) -> Void) throws -> TrainingStop {
        try Precision.$current.withValue(trainer.settings.precision ?? .fp32) {
            try runSteps(isInterrupted: isInterrupted, onEvent: onEvent)
        }
    }

    private func runSteps(isInterrupted: () -> Bool, onEvent: (TrainingEvent) -> Void) throws -> TrainingStop {
        let settings = trainer.settings
        let start = ContinuousClock.now
        let elapsedBefore = state.elapsedSeconds
        var stepSeconds: [Double] = []
        func elapsed() -> Double { elapsedBefore + (ContinuousClock.now - start).seconds }
        func checkpoint() throws {
            guard let log else { return }
            state.position = trainer.position
            state.elapsedSeconds = elapsed()
            let path = try TrainerCheckpoint.save(trainer, state: state, in: log.path)
            onEvent(.checkpoint(step: trainer.position.step, path: path))
        }

        while !trainer.isFinished {
            if isInterrupted() {
                try checkpoint()
                return .interrupted(step: trainer.position.step)
            }
            switch trainer.step() {
            case .nonFinite(let step, let loss, let norm, let restored):
                return .nonFinite(step: step, loss: loss, gradientNorm: norm, restoredPreviousStep: restored)
            case .completed(let record):
                records.append(record)
                lossesSinceEvaluation.append(record.loss)
                stepSeconds.append(record.seconds)
                let recent = stepSeconds.suffix(10)
                let perStep = recent.reduce(0, +) / Double(recent.count)
                let tokensPerSecond = Double(record.tokens) / max(record.seconds, 1e-9)
                var event = MetricsEvent(kind: .train, step: record.step)
                event.epoch = record.epoch
                event.loss = record.loss
                event.learningRate = record.learningRate
                event.gradientNorm = record.gradientNorm
                event.tokensPerSecond = tokensPerSecond
                event.elapsedSeconds = elapsed()
                event.figures = record.figures.isEmpty ? nil : record.figures
                try log?.append(event)
                onEvent(.step(record, elapsedSeconds: elapsed(), etaSeconds: perStep * Double(trainer.totalSteps - record.step),
                              tokensPerSecond: tokensPerSecond))
            }
            let step = trainer.position.step
            if let every = settings.evalEvery, !validation.isEmpty || validator != nil, step % every == 0 || trainer.isFinished {
                if let stop = try evaluate(step: step, onEvent: onEvent) {
                    try checkpoint()
                    return stop
                }
            }
            if let every = settings.sampleEvery, step % every == 0, let sampler {
                let samples = sampler(step)
                for s in samples {
                    var event = MetricsEvent(kind: .sample, step: step)
                    event.prompt = s.prompt
                    event.text = s.text
                    try log?.append(event)
                }
                onEvent(.samples(step: step, samples))
            }
            if let every = settings.saveEvery, step % every == 0, !trainer.isFinished { try checkpoint() }
        }
        try checkpoint()
        return .finished
    }

    /// One validation pass; returns a stop when patience ran out.
    private func evaluate(step: Int, onEvent: (TrainingEvent) -> Void) throws -> TrainingStop? {
        let (loss, figures) = validator?() ?? (trainer.meanLoss(on: validation), [:])
        let training = lossesSinceEvaluation.isEmpty ? .nan : lossesSinceEvaluation.reduce(0, +) / Double(lossesSinceEvaluation.count)
        lossesSinceEvaluation = []
        evaluations.append((step, loss))
        var event = MetricsEvent(kind: .eval, step: step)
        event.validationLoss = loss
        event.figures = figures.isEmpty ? nil : figures
        try log?.append(event)
        let improved = state.bestValidationLoss.map { loss < $0 } ?? true
        onEvent(.evaluation(step: step, validationLoss: loss, trainingLoss: training, improved: improved, figures: figures))
        if let previous = previousEvaluation, loss > previous.validation, training < previous.training {
            onEvent(.warning(String(format: "validation loss rose (%.4f → %.4f) while training loss fell (%.4f → %.4f): the model may be overfitting; "
                + "try fewer steps, a lower lr, more data, or patience= to stop at the best point", previous.validation, loss, previous.training, training)))
        }
        previousEvaluation = (loss, training)
        if improved {
            state.bestValidationLoss = loss
            state.evaluationsWithoutImprovement = 0
            bestStep = step
            if trainer.settings.patience != nil { bestWeights = trainer.parameters.map(\.tensor.scalars) }
            return nil
        }
        state.evaluationsWithoutImprovement += 1
        if let patience = trainer.settings.patience, state.evaluationsWithoutImprovement >= patience {
            if let bestWeights {
                for (p, values) in zip(trainer.parameters, bestWeights) { p.tensor.assign(values) }
            }
            return .earlyStopped(step: step, bestStep: bestStep, bestLoss: state.bestValidationLoss ?? loss)
        }
        return nil
    }
}
