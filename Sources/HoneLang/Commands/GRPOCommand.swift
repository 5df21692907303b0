import Foundation
import HoneModels
import HonePEFT
import HoneTrain

/// `grpo [PROMPTS] reward=… group=…`: reinforcement learning from a rule reward, GRPO style.
public enum GRPOCommand: TrainingCommand {
    static let recipe = Recipe.grpo

    /// `resume`: answers are sampled with seeds from the position, so the same ones are drawn.
    static func resumedObjective(_ run: ResumeCommand.RecordedRun) throws -> ResumeCommand.RecordedRun.Objective {
        guard let grpo = run.configuration.grpo else {
            throw HoneError(.value, "\(run.path)/config.json records no GRPO settings", at: run.context.call.range)
        }
        let (parameters, adapter) = try run.parameters()
        let (prompts, held, reward) = try run.reinforcementInputs(grpo.reward)
        let (trainer, loop) = try build(handle: run.handle, tokenizer: run.tokenizer, reward: reward, parameters: parameters, adapter: adapter,
                                        prompts: prompts, held: held, grpo: grpo, settings: run.settings, log: run.log)
        return .init(trainer: trainer, validator: loop.validator)
    }

    typealias A = TrainingArguments
    typealias R = ReinforcementRun
    static let group = Arg<Int>.option(GRPOSettings.groupSetting)

    public static let spec = CommandSpec(
        ["grpo"], summary: "reinforcement learning with group-relative advantages (no value model)",
        discussion: """
            For each prompt, `group` answers are sampled and scored by the reward (a rule, or a \
            reward model with reward=model:NAME); an answer's advantage is how far its reward is \
            above its group's mean, in units of the group's spread, so no value model is needed. \
            The policy gradient raises the probability of better-than-average answers (one update \
            per sample; β = 0 as in TRL, with the KL to the reference, the adapter disabled, shown \
            on the progress line with the mean reward and answer length). val= names held-out \
            prompts whose mean reward is the evaluation (its negative is the validation loss). \
            Arguments and runs are `train`'s; the default lr is TRL's advice for LoRA (see lr=).
            """,
        category: .training,
        arguments: R.trainingArguments(.grpo) + [R.reward.spec, group.spec, R.maxTokens.spec, R.temperature.spec, A.name.spec],
        examples: [.init("grpo prompts.train reward=contains:happy group=8 steps=50", "reward answers that say happy"),
                   .init("grpo reward=max_length:20 lr=1e-4", "reward short answers")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let run = try ReinforcementRun(arguments, recipe: .grpo, in: context)
        let grpo = GRPOSettings(reward: run.rule, group: arguments[group], maxNewTokens: arguments[R.maxTokens], temperature: arguments[R.temperature])
        let (trainer, loop) = try build(handle: run.handle, tokenizer: run.tokenizer, reward: run.rewardFunction, parameters: run.parameters,
                                        adapter: run.adapter, prompts: run.prompts, held: run.held, grpo: grpo, settings: run.settings,
                                        log: try RunLog(path: run.runPath))
        return try run.start(trainer: trainer, loop: loop, arguments: arguments, describing: "GRPO with reward \(run.rule), \(grpo.group) answers per prompt",
                             configure: { $0.grpo = grpo }, in: context)
    }

    /// The trainer and loop of a GRPO run (also for `resume`).
    static func build(handle: ModelHandle, tokenizer: any Tokenizer, reward: RewardFunction, parameters: [TrainableParameter], adapter: LoRAAdapter?,
                      prompts: [[Int]], held: [[Int]], grpo: GRPOSettings, settings: TrainingSettings, log: RunLog) throws -> (Trainer, TrainingLoop) {
        let padID = tokenizer.specialTokens.pad?.id ?? 0
        let objective = GRPOObjective(prompts: prompts, reward: reward, tokenizer: tokenizer, group: grpo.group, maxNewTokens: grpo.maxNewTokens,
                                      temperature: Float(grpo.temperature), seed: settings.seed, padID: padID)
        let trainer = try Trainer(model: handle.model, parameters: parameters, objective: objective, settings: settings,
                                  dropoutLayers: adapter?.layers ?? [], padID: padID)
        return (trainer, ReinforcementRun.loop(trainer, log: log, held: held) { objective.meanReward(on: held, model: handle.model) })
    }

    /// Prompt token ids from a data set's records: the prompt, instruction or text of each,
    /// wrapped in the model's template when it has one.
    /// Each record's prompt as the policy sees it: wrapped in the model's template when it has one.
    static func promptTexts(_ data: DataSetHandle, handle: ModelHandle, context: CommandContext) throws -> [String] {
        let texts: [String] = data.data.records.compactMap { record in
            switch record {
            case .promptCompletion(let prompt, _): prompt
            case .instruction(let instruction, let input, _): input.isEmpty ? instruction : instruction + "\n\n" + input
            case .text(let text): text
            case .preference(let prompt, _, _, _): prompt
            case .chat(let messages): messages.last { $0.role == "user" }?.content
            }
        }
        guard !texts.isEmpty else { throw HoneError(.value, "\(data.name) has no prompts", at: context.call.range) }
        return try texts.map { text in try handle.template.map { try InferenceTemplate.wrap(text, in: $0, range: nil, in: context) } ?? text }
    }

    static func promptIDs(_ data: DataSetHandle, handle: ModelHandle, tokenizer: any Tokenizer, context: CommandContext) throws -> [[Int]] {
        try promptTexts(data, handle: handle, context: context).map { InferenceTemplate.encode($0, template: handle.template, tokenizer: tokenizer, bos: true) }
    }
}
