import Foundation
import HoneModels
import HonePEFT
import HoneTrain

/// `ppo [PROMPTS] reward=… …`: RLHF with PPO: a value head, GAE and a KL penalty.
public enum PPOCommand: TrainingCommand {
    static let recipe = Recipe.ppo

    /// `resume`: the value head is a trainable parameter, so the checkpoint carries it. A
    /// checkpoint inside a rollout's epochs samples that rollout again from its weights.
    static func resumedObjective(_ run: ResumeCommand.RecordedRun) throws -> ResumeCommand.RecordedRun.Objective {
        guard let ppo = run.configuration.ppo else {
            throw HoneError(.value, "\(run.path)/config.json records no PPO settings", at: run.context.call.range)
        }
        let (parameters, adapter) = try run.parameters()
        let (prompts, held, reward) = try run.reinforcementInputs(ppo.reward)
        let (trainer, loop) = try build(handle: run.handle, tokenizer: run.tokenizer, reward: reward, parameters: parameters, adapter: adapter,
                                        prompts: prompts, held: held, ppo: ppo, settings: run.settings, log: run.log)
        return .init(trainer: trainer, validator: loop.validator)
    }

    /// A live loop trains the value head beside the adapter; it belongs to the loop alone.
    static func setAsideHeads(_ trained: inout [TrainableParameter], handle: ModelHandle) -> Bool {
        trained.removeAll { $0.name == valueHeadName }
        return true
    }

    typealias A = TrainingArguments
    typealias R = ReinforcementRun
    static let answers = Arg<Int>.option(PPOSettings.answersSetting)
    static let kl = Arg<Double>.option(PPOSettings.klSetting)
    static let clipRange = Arg<Double>.option(PPOSettings.clipRangeSetting)
    static let valueCoefficient = Arg<Double>.option(PPOSettings.valueCoefficientSetting)
    static let ppoEpochs = Arg<Int>.option(PPOSettings.epochsSetting)
    static let gamma = Arg<Double>.option(PPOSettings.gammaSetting)
    static let lambda = Arg<Double>.option(PPOSettings.lambdaSetting)

    public static let spec = CommandSpec(
        ["ppo"], summary: "reinforcement learning by PPO: value head, GAE and a KL penalty",
        discussion: """
            Each rollout samples `answers` answers per prompt and scores them with the reward (a \
            rule, or a reward model with reward=model:NAME). Every answer token is charged \
            kl × (log π − log π_ref), the drift from the reference policy (the base: the adapter \
            disabled, or for method=full the weights training started from), and the last token \
            also earns the score. A value head on the policy's hidden states predicts each \
            token's return; generalised advantage estimation (γ, λ) turns rewards and values into \
            advantages. Each rollout is then optimised for ppo_epochs steps with the clipped \
            surrogate loss, plus vf_coef × the clipped value loss, as TRL's PPOTrainer. The \
            progress line shows the mean reward, the KL to the reference and the answer length; \
            a reward that rises while the KL runs away is reward hacking. val= names held-out \
            prompts whose mean reward is the evaluation. Arguments and runs are `train`'s; the \
            default lr is TRL's advice for LoRA (see lr=).
            """,
        category: .training,
        arguments: R.trainingArguments(.ppo) + [R.reward.spec, answers.spec, kl.spec, clipRange.spec, valueCoefficient.spec, ppoEpochs.spec,
                                          gamma.spec, lambda.spec, R.maxTokens.spec, R.temperature.spec, A.name.spec],
        examples: [.init("ppo prompts.train reward=contains:happy steps=40", "reward answers that say happy, with a KL leash"),
                   .init("ppo prompts.train reward=model:rm kl=0.1", "rewards from a model trained with `reward train … as rm`")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let run = try ReinforcementRun(arguments, recipe: .ppo, in: context)
        if let dropout = run.adapter?.settings.dropout, dropout > 0 {
            // The rollout's old log-probs are taken without dropout; with it, the first epoch's
            // ratio π/π_old would be noise, and clipping would act on that noise.
            throw HoneError(.value, "adapter \(run.adapter!.name) has dropout \(dropout); PPO compares the policy with itself before the update, so it trains without dropout",
                            at: context.call.range, hints: ["make the adapter again with dropout=0 (TRL turns dropout off for PPO)"])
        }
        var ppo = PPOSettings(reward: run.rule)
        ppo.samples = arguments[answers]
        ppo.maxNewTokens = arguments[R.maxTokens]
        ppo.temperature = arguments[R.temperature]
        ppo.klCoefficient = arguments[kl]
        ppo.clipRange = arguments[clipRange]
        ppo.valueCoefficient = arguments[valueCoefficient]
        ppo.epochs = arguments[ppoEpochs]
        ppo.gamma = arguments[gamma]
        ppo.lambda = arguments[lambda]
        let (trainer, loop) = try build(handle: run.handle, tokenizer: run.tokenizer, reward: run.rewardFunction, parameters: run.parameters,
                                        adapter: run.adapter, prompts: run.prompts, held: run.held, ppo: ppo, settings: run.settings,
                                        log: try RunLog(path: run.runPath))
        return try run.start(trainer: trainer, loop: loop, arguments: arguments,
                             describing: "PPO with reward \(run.rule), \(ppo.samples) answers per prompt, KL β \(Value.float(ppo.klCoefficient).repr)",
                             configure: { $0.ppo = ppo }, in: context)
    }

    /// The value head's name among the trainable parameters, as checkpoints keep it (TRL's).
    static let valueHeadName = "v_head.weight"

    /// The trainer and loop of a PPO run (also for `resume`): the policy's parameters and the
    /// value head (`v_head.weight`), which checkpoints keep with them.
    static func build(handle: ModelHandle, tokenizer: any Tokenizer, reward: RewardFunction, parameters: [TrainableParameter], adapter: LoRAAdapter?,
                      prompts: [[Int]], held: [[Int]], ppo: PPOSettings, settings: TrainingSettings, log: RunLog) throws -> (Trainer, TrainingLoop) {
        let padID = tokenizer.specialTokens.pad?.id ?? 0
        let reference: PPOObjective.Reference
        if settings.method == .adapter, let set = handle.model.linearHook as? AdapterSet {
            reference = .adapterDisabled(set)
        } else {
            reference = .initialWeights(parameters.map(\.tensor))
        }
        let objective = PPOObjective(prompts: prompts, reward: reward, settings: ppo, tokenizer: tokenizer, hiddenSize: handle.model.hiddenSize,
                                     reference: reference, batchSize: settings.batchSize, accumulate: settings.accumulate,
                                     seed: settings.seed, padID: padID)
        let trainer = try Trainer(model: handle.model, parameters: parameters + [TrainableParameter(name: valueHeadName, tensor: objective.valueHead)],
                                  objective: objective, settings: settings, dropoutLayers: adapter?.layers ?? [], padID: padID)
        return (trainer, ReinforcementRun.loop(trainer, log: log, held: held) { objective.meanReward(on: held, model: handle.model) })
    }
}
