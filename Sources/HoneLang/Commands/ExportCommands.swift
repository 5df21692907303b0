import Foundation
import HoneModels
import HonePEFT
import HoneTrain

/// `export trl DIR` and `export axolotl DIR`: hand the session's fine-tune to a distributed
/// engine. The command gathers the session (model, adapter, data, template, precision, the last
/// run's recipe and settings) into an `ExportPlan`; HoneTrain writes the tool's files from it.
enum ExportArguments {
    typealias A = TrainingArguments
    typealias P = PreferenceTraining
    static let directory = Arg<String>.positional("dir", .path(extensions: []), help: "the directory to write; an earlier export there is replaced whole, any other non-empty folder is refused")
    static let data = Arg<String>.clause("on", .word, help: "the data set (default: the last run's, else the newest loaded)")
    static let recipe = Arg<String>.option("recipe", .choice(Recipe.allCases.map(\.rawValue)),
        help: "the method to export (default: the last run's, else sft)")
    static let lr = Arg<Double>.option("lr", .float(0...10),
        help: "the peak learning rate (default: the last run's, else the recipe's: " + Recipe.allCases.map { "\($0.rawValue) \($0.learningRateDefaultText)" }.joined(separator: "; ") + ")")
    static let beta = Arg<Double>.option("beta", .float(0.0001...100), help: "the preference β (default: the last run's, else the recipe's)")
    static let reward = Arg<String>.option("reward", .word, help: "grpo's reward: contains:WORD or max_length:N (default: the last run's)")
    static let method = Arg<String>.option("method", .choice(["adapter", "lora", "dora", "qlora", "full"]),
        help: "adapter (the active adapter, whichever kind), lora, dora, qlora, or full (default: the last run's, else adapter)")

    /// Every argument of the recipes' commands that an export carries over.
    static let specs: [ArgumentSpec] = [
        directory.spec, data.spec, recipe.spec, method.spec, A.steps.spec, A.epochs.spec, lr.spec, A.batch.spec.withoutDefault,
        A.accumulate.spec.withoutDefault, A.seq.spec.withoutDefault, A.val.spec, A.evalEvery.spec, A.patience.spec, A.saveEvery.spec,
        A.schedule.spec.withoutDefault, A.warmup.spec.withoutDefault, A.optimizer.spec.withoutDefault, A.weightDecay.spec.withoutDefault,
        A.clip.spec.withoutDefault, A.trainOn.spec.withoutDefault, A.checkpointing.spec.withoutDefault, A.seed.spec, beta.spec,
        P.loss.spec.withoutDefault, P.labelSmoothing.spec.withoutDefault, P.gamma.spec.withoutDefault, reward.spec,
        GRPOCommand.group.spec.withoutDefault, ReinforcementRun.maxTokens.spec.withoutDefault, ReinforcementRun.temperature.spec.withoutDefault,
        PrecisionChoice.argument.spec, A.model.spec,
    ]

    static let discussion = """
        Each takes the current session's model, adapter settings, data, template and precision; \
        the recipe and its settings are the last run's (any argument given here overrides one), \
        else the recipe's defaults. The data is written as JSON Lines with the template already \
        applied to each prompt, and README.md lists every hone setting with the key it became and \
        each setting with no exact equivalent; hone.json records the plan. An export that could \
        not reproduce the session is refused, naming why: a model with no Hugging Face files (GGUF, \
        llama2.c), a recipe or setting the tool does not have. The directory is written whole \
        under a temporary name and then renamed into place.
        """
}

extension ArgumentSpec {
    /// The same argument without its default, for commands where absence means "as before".
    var withoutDefault: ArgumentSpec {
        var copy = self
        copy.defaultValue = nil
        return copy
    }
}

public enum ExportTRLCommand: Command {
    public static let spec = CommandSpec(
        ["export", "trl"], summary: "write the fine-tune as a TRL training directory with accelerate configs",
        discussion: """
            Writes train.py, which runs TRL's trainer for the recipe (SFTTrainer, DPOTrainer, \
            ORPOTrainer, CPOTrainer for SimPO, RewardTrainer, GRPOTrainer; TRL has no PPOTrainer \
            any more) with a PEFT LoraConfig, and writes its adapter to DIR/output, which `load \
            adapter DIR/output` reads back. Beside it: accelerate configs for DDP, DeepSpeed \
            ZeRO-2 and ZeRO-3 and FSDP (`accelerate launch --config_file accelerate/zero3.yaml \
            train.py`). For SFT and DPO, train.py tokenises as hone does, so the prompt is masked and \
            the answer and its EOS are trained. GRPO's rule rewards become Python functions with \
            hone's definitions. 
            """ + ExportArguments.discussion,
        category: .training, arguments: ExportArguments.specs,
        examples: [.init("export trl out/trl", "the last run, ready for `python train.py` or `accelerate launch`"),
                   .init("export trl out/dpo on prefs.train recipe=dpo beta=0.1", "a DPO run on the preference data")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        try ExportSession.run(arguments, tool: "trl", in: context)
    }
}

public enum ExportAxolotlCommand: Command {
    public static let spec = CommandSpec(
        ["export", "axolotl"], summary: "write the fine-tune as an Axolotl config.yml with its data",
        discussion: """
            Writes config.yml with Axolotl's own keys (base_model, adapter, lora_r, datasets, \
            sequence_len, micro_batch_size, learning_rate, lr_scheduler, rl, …) and the DeepSpeed \
            JSON configs it names, for `axolotl train config.yml` or `accelerate launch -m \
            axolotl.cli.train config.yml`. Axolotl has no PPO or reward-model path, so those \
            recipes are refused. 
            """ + ExportArguments.discussion,
        category: .training, arguments: ExportArguments.specs,
        examples: [.init("export axolotl out/axolotl", "the last run as an Axolotl config")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        try ExportSession.run(arguments, tool: "axolotl", in: context)
    }
}
