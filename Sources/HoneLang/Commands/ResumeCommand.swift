import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import HoneTrain

/// `resume RUN`: continue a run after Ctrl-C, in this session, or after the process ended.
public enum ResumeCommand: Command {
    static let run = Arg<String>.positional("run", .word, help: "the run's name (its folder in runs_dir)")

    public static let spec = CommandSpec(
        ["resume"], summary: "continue a stopped or killed training run from its last checkpoint",
        discussion: """
            In the session that trained it, a run stopped with Ctrl-C continues where it stopped. \
            In a new process, the run is rebuilt from its folder: the model is loaded from the \
            source in config.json (or the loaded one of that name is used), quantised again for \
            QLoRA, the adapter is made again with the recorded settings, and the newest checkpoint \
            puts back the trainable weights, the optimizer's state and the position in the data, \
            which with the seed is all the run's randomness. The losses then continue exactly as \
            the uninterrupted run's would. The checkpoint must hold exactly the parameters the \
            rebuilt run trains, so nothing frozen is unfrozen.
            """,
        category: .training, arguments: [run.spec],
        examples: [.init("resume run-1", "continue run-1 from its newest checkpoint")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let name = arguments[run]
        let workspace = context.session.workspace
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/") else {
            throw HoneError(.value, "`\(name)` is not a run's name", at: arguments.range(of: run) ?? context.call.range,
                            hints: ["a run is named by its folder in runs_dir, e.g. `resume run-1`; `runs` lists them"])
        }
        // After a non-finite stop the live state is one update past its weights: use the checkpoint.
        if let live = workspace.run(named: name), live.status != .failed, let loop = live.loop, let handle = workspace.model(named: live.modelName),
           let tokenizer = handle.tokenizer, isIntact(loop, handle: handle) {
            guard !loop.trainer.isFinished else {
                context.show("\(name) has finished all \(loop.trainer.totalSteps) steps; `train` starts a new run")
                return .object(live)
            }
            context.say("resuming \(name) at step \(loop.trainer.position.step) of \(loop.trainer.totalSteps)")
            return try TrainingRunner.run(live, loop: loop, handle: handle, tokenizer: tokenizer,
                                          template: handle.template ?? TrainingRunner.template(for: handle, in: context), in: context)
        }
        return try rebuild(name, arguments: arguments, in: context)
    }

    /// The live loop still trains the tensors the model uses (no merge or new adapter since).
    static func isIntact(_ loop: TrainingLoop, handle: ModelHandle) -> Bool {
        guard loop.trainer.model === handle.model else { return false }
        if loop.trainer.settings.method == .full { return handle.model.quantizedWeights.isEmpty }
        guard let set = handle.model.linearHook as? AdapterSet else { return false }
        let current = set.trainableParameters
        return current.count == loop.trainer.parameters.count && zip(current, loop.trainer.parameters).allSatisfy { $0 === $1.tensor }
    }

    static func rebuild(_ name: String, arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let workspace = context.session.workspace
        let path = TrainingData.runsDirectory(in: context) + "/" + name
        guard FileManager.default.fileExists(atPath: path + "/" + RunLog.configurationName) else {
            let known = RunsCommand.runNames(in: context)
            var hints = known.isEmpty ? ["there are no runs in \(TrainingData.runsDirectory(in: context))"] : ["runs: " + known.joined(separator: ", ")]
            let suggestion = Suggestions.didYouMean(name, among: known)
            if !suggestion.isEmpty { hints.insert(suggestion, at: 0) }
            throw HoneError(.value, "no run named `\(name)` (no \(path)/config.json)", at: arguments.range(of: run) ?? context.call.range, hints: hints)
        }
        let log = try RunLog(path: path)
        let configuration: RunConfiguration
        do {
            configuration = try log.read(RunConfiguration.self, from: RunLog.configurationName)
        } catch {
            throw HoneError(.value, "\(path)/config.json does not read as a run's configuration: \(error)", at: context.call.range)
        }
        let handle = try model(for: configuration, in: context)
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        if let q = configuration.model.quantization, handle.model.quantizedWeights.isEmpty,
           let format = QuantizationFormat(rawValue: q) {
            _ = try BaseQuantizer.quantize(handle.model, format: format)
            context.say("quantised \(handle.name)'s linear weights to \(q) again, as the run had them")
        }
        if let a = configuration.adapter { try adapter(a, on: handle, in: context) }
        // A reward head trained alone has no adapter parameters; the head is added below.
        let (parameters, adapter) = configuration.rewardModel == true && configuration.adapter == nil && configuration.settings.method == .adapter
            ? ([], nil) : try TrainingRunner.parameters(of: handle, method: configuration.settings.method, in: context)
        let padID = tokenizer.specialTokens.pad?.id ?? 0
        let settings = configuration.settings
        let trainer: Trainer
        var validation: [(ids: [Int], labels: [Int])] = []
        var validator: (() -> (loss: Double, figures: [String: Double]))?
        if configuration.rewardModel == true {
            // The head is made again from the run's seed; the checkpoint puts back its weights.
            let head = RewardHead(hidden: handle.model.hiddenSize, seed: settings.seed)
            let (withHead, _) = try RewardTrainCommand.parameters(handle: handle, head: head, method: settings.method, context: context)
            let pairs = try log.readPairs(TrainingData.trainPairsName)
            let held = configuration.validation == nil ? [] : try log.readPairs(TrainingData.validationPairsName)
            let built = try RewardTrainCommand.build(handle: handle, head: head, parameters: withHead, adapter: adapter, pairs: pairs,
                                                     held: held, settings: settings, padID: padID, log: log)
            handle.rewardHead = head
            trainer = built.0
            validator = built.1.validator
        } else if let rule = configuration.grpo?.reward ?? configuration.ppo?.reward {
            let prompts = try log.readExamples(TrainingData.trainExamplesName).map(\.ids)
            let held = configuration.validation == nil ? [] : try log.readExamples(TrainingData.validationExamplesName).map(\.ids)
            let reward = try ReinforcementRun.rewardFunction(rule, policy: handle, in: context, range: context.call.range)
            let built = if let grpo = configuration.grpo {
                try GRPOCommand.build(handle: handle, tokenizer: tokenizer, reward: reward, parameters: parameters, adapter: adapter, prompts: prompts,
                                      held: held, grpo: grpo, settings: settings, log: log)
            } else {
                try PPOCommand.build(handle: handle, tokenizer: tokenizer, reward: reward, parameters: parameters, adapter: adapter, prompts: prompts,
                                     held: held, ppo: configuration.ppo!, settings: settings, log: log)
            }
            trainer = built.0
            validator = built.1.validator
        } else if let preference = configuration.preference {
            // The reference log-probs come from the model as loaded, before the checkpoint: the
            // base with the adapter disabled, or for method=full the weights training started from.
            let pairs = try log.readPairs(TrainingData.trainPairsName)
            guard dataFingerprint(pairs) == configuration.data.fingerprint else {
                throw HoneError(.value, "\(path)/\(TrainingData.trainPairsName) does not match the fingerprint in config.json", at: context.call.range)
            }
            let objective = PreferenceObjective(pairs: pairs, loss: preference.loss, model: handle.model, padID: padID, batchSize: settings.batchSize)
            if configuration.validation != nil {
                objective.holdOut(try log.readPairs(TrainingData.validationPairsName), model: handle.model, batchSize: settings.batchSize)
                let model = handle.model
                validator = { objective.evaluateHeldOut(model: model, batchSize: settings.batchSize) }
            }
            trainer = try Trainer(model: handle.model, parameters: parameters, objective: objective, settings: settings,
                                  dropoutLayers: adapter?.layers ?? [], padID: padID)
        } else {
            let examples = try log.readExamples(TrainingData.trainExamplesName)
            guard dataFingerprint(examples) == configuration.data.fingerprint else {
                throw HoneError(.value, "\(path)/\(TrainingData.trainExamplesName) does not match the fingerprint in config.json", at: context.call.range)
            }
            validation = configuration.validation == nil ? [] : try log.readExamples(TrainingData.validationExamplesName)
            trainer = try Trainer(model: handle.model, parameters: parameters, examples: examples, settings: settings,
                                  dropoutLayers: adapter?.layers ?? [], padID: padID)
        }
        var state: CheckpointState?
        if let latest = TrainerCheckpoint.latest(in: path) {
            do {
                state = try TrainerCheckpoint.load(into: trainer, from: latest.path)
            } catch let error as TrainingError {
                throw HoneError(.value, error.description, at: context.call.range)
            }
            try log.truncate(after: latest.step)
            context.say("resuming \(name) from its checkpoint at step \(latest.step) of \(trainer.totalSteps)")
        } else {
            try log.truncate(after: 0)
            context.say("\(name) has no checkpoint yet; starting it again from step 0")
        }
        let loop = TrainingLoop(trainer: trainer, log: log, validation: validation, state: state)
        loop.validator = validator
        let template: PromptTemplate
        do {
            template = try TrainingRunner.template(described: configuration.template, tokenizer: tokenizer)
        } catch {
            throw HoneError(.value, "the run's template in config.json does not load: \(error)", at: context.call.range)
        }
        let runHandle = RunHandle(name: name, path: path, configuration: configuration, modelName: handle.name, loop: loop, status: .running)
        workspace.add(runHandle)
        guard !trainer.isFinished else {
            runHandle.status = .finished
            context.show("\(name) had already finished all \(trainer.totalSteps) steps; its final weights are loaded")
            handle.template = template
            return .object(runHandle)
        }
        return try TrainingRunner.run(runHandle, loop: loop, handle: handle, tokenizer: tokenizer, template: template, in: context)
    }

    /// The run's model: the loaded one of that name from the same source, else loaded again.
    static func model(for configuration: RunConfiguration, in context: CommandContext) throws -> ModelHandle {
        let workspace = context.session.workspace
        let m = configuration.model
        if let handle = workspace.model(named: m.name), TrainingData.reloadableSource(of: handle) == m.source { return handle }
        let loaded = m.source.hasPrefix("hf:") ? try ModelLoader.loadFromHub(m.source)
                                                : try ModelLoader.load(path: m.source, tokenizerPath: nil)
        let name = workspace.model(named: m.name) == nil ? m.name : m.name + "_resumed"
        let handle = ModelHandle(name: name, loaded: loaded, source: m.source)
        workspace.add(handle)
        context.say("loaded \(name) from \(m.source), as the run had it")
        return handle
    }

    /// Makes the run's adapter active: the model's own if its settings match, else a new one.
    static func adapter(_ a: RunConfiguration.AdapterDescription, on handle: ModelHandle, in context: CommandContext) throws {
        let settings = a.settings
        let set = AdapterSet.on(handle.model)
        do {
            if let existing = set.adapter(named: a.name) {
                guard existing.settings == settings else {
                    throw AdapterError("\(handle.name) has an adapter `\(a.name)` with other settings than the run's",
                                       hints: ["`delete adapter \(a.name)` (or rename it) and resume again; resume will make it with the run's settings"])
                }
                try set.use(a.name)
                set.isEnabled = true
            } else {
                try set.add(try LoRAAdapter.fresh(name: a.name, settings: settings, on: handle.model))
                context.say("made adapter \(a.name) again with the run's settings; the checkpoint fills in its weights")
            }
        } catch let error as AdapterError {
            throw AdapterReference.error(error, context)
        }
    }
}
