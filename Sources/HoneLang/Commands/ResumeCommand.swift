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
           let tokenizer = handle.tokenizer, isIntact(loop, recipe: Recipe.of(live.configuration), handle: handle) {
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

    /// The live loop still trains the tensors the model uses (no merge, new adapter or new reward
    /// head since). A reward model's and PPO's trainers hold a head beside the model's
    /// parameters: the reward head must still be the model's, and PPO's value head belongs to
    /// the loop alone. (Without them the adapter never matched, and such a run was rebuilt
    /// from its folder, which for PPO inside a rollout's epochs samples the rollout again.)
    static func isIntact(_ loop: TrainingLoop, recipe: Recipe, handle: ModelHandle) -> Bool {
        guard loop.trainer.model === handle.model else { return false }
        var trained = loop.trainer.parameters
        guard let command = trainingCommand(for: recipe), command.setAsideHeads(&trained, handle: handle) else { return false }
        if loop.trainer.settings.method == .full { return handle.model.quantizedWeights.isEmpty }
        let set = handle.model.linearHook as? AdapterSet
        // A reward head trained alone: still alone, as `reward train` would train it now.
        if trained.isEmpty { return set?.active == nil || set?.isEnabled == false }
        guard let set else { return false }
        let current = set.trainableParameters
        return current.count == trained.count && zip(current, trained).allSatisfy { $0 === $1.tensor }
    }

    /// The run made again from its folder, when no live loop of it is intact. Every recipe shares
    /// the model, QLoRA's quantisation, the adapter, the checkpoint, the loop and the template;
    /// only the objective differs, and `Recipe.of` (the table `export` reads too) picks it, so a
    /// new recipe is one more case of the switch, which the compiler asks for.
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
        // Shared by every recipe: the model as the run had it, QLoRA's quantisation, the adapter.
        let handle = try model(for: configuration, in: context)
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        if let q = configuration.model.quantization, handle.model.quantizedWeights.isEmpty,
           let format = QuantizationFormat(rawValue: q) {
            _ = try BaseQuantizer.quantize(handle.model, format: format)
            context.say("quantised \(handle.name)'s linear weights to \(q) again, as the run had them")
        }
        if let a = configuration.adapter { try adapter(a, on: handle, in: context) }
        // The one part that differs: the objective, from the data the run recorded. `Recipe.of`
        // picks the case from the field it unwraps, so that field is there.
        let run = RecordedRun(path: path, configuration: configuration, log: log, handle: handle, tokenizer: tokenizer, context: context)
        let recipe = Recipe.of(configuration)
        guard let command = trainingCommand(for: recipe) else {
            throw HoneError(.value, "no command trains the recipe `\(recipe)` of \(path)/config.json", at: context.call.range)
        }
        let objective = try command.resumedObjective(run)
        let trainer = objective.trainer
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
        let loop = TrainingLoop(trainer: trainer, log: log, validation: objective.validation, state: state)
        loop.validator = objective.validator
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

/// A command that starts runs of one recipe. `resume` finds the command of a run's recipe
/// through this, so each method's resume lives in its command's file, beside the code that
/// starts the run.
protocol TrainingCommand: Command {
    static var recipe: Recipe { get }
    /// The run's objective and trainer made again from its folder, for `resume`.
    static func resumedObjective(_ run: ResumeCommand.RecordedRun) throws -> ResumeCommand.RecordedRun.Objective
    /// Takes out of `trained` what a live loop trains beside the adapter (a reward or value
    /// head), and says whether that still belongs to `handle`, so the loop can go on.
    static func setAsideHeads(_ trained: inout [TrainableParameter], handle: ModelHandle) -> Bool
}

extension TrainingCommand {
    static func setAsideHeads(_ trained: inout [TrainableParameter], handle: ModelHandle) -> Bool { true }
}

extension ResumeCommand {
    /// The registered command that trains `recipe`.
    static func trainingCommand(for recipe: Recipe) -> (any TrainingCommand.Type)? {
        CommandRegistry.builtins.lazy.compactMap { $0 as? any TrainingCommand.Type }.first { $0.recipe == recipe }
    }

    /// A run's folder as `resume` reads it, with the model rebuilt as the run had it (quantised,
    /// with its adapter active). Each recipe's objective and trainer are made here from the data
    /// the run recorded, through the same builders its command uses where it has them, so the
    /// checkpoint fits them exactly and the run continues as it would have.
    struct RecordedRun {
        let path: String
        let configuration: RunConfiguration
        let log: RunLog
        let handle: ModelHandle
        let tokenizer: any Tokenizer
        let context: CommandContext

        /// What the loop needs beside the checkpoint: the trainer, and either SFT's validation
        /// examples or another objective's validator.
        struct Objective {
            var trainer: Trainer
            var validation: [(ids: [Int], labels: [Int])] = []
            var validator: (() -> (loss: Double, figures: [String: Double]))?
        }

        var settings: TrainingSettings { configuration.settings }
        var padID: Int { tokenizer.specialTokens.pad?.id ?? 0 }

        /// The parameters `method` trains on the model as rebuilt.
        func parameters() throws -> (parameters: [TrainableParameter], adapter: LoRAAdapter?) {
            try TrainingRunner.parameters(of: handle, method: settings.method, in: context)
        }

        /// The prompts and held-out prompts as recorded, and the reward (a `model:NAME` judge
        /// must be loaded in this session).
        func reinforcementInputs(_ rule: RewardRule) throws -> (prompts: [[Int]], held: [[Int]], reward: RewardFunction) {
            let prompts = try log.readExamples(TrainingData.trainExamplesName).map(\.ids)
            let held = configuration.validation == nil ? [] : try log.readExamples(TrainingData.validationExamplesName).map(\.ids)
            let reward = try ReinforcementRun.rewardFunction(rule, policy: handle, in: context, range: context.call.range)
            return (prompts, held, reward)
        }

        func checkFingerprint(_ fingerprint: String, of file: String) throws {
            guard fingerprint == configuration.data.fingerprint else {
                throw HoneError(.value, "\(path)/\(file) does not match the fingerprint in config.json", at: context.call.range)
            }
        }
    }
}
