import Foundation
import HonePEFT

/// `export axolotl DIR`: a `config.yml` in Axolotl's own keys, its data, and the DeepSpeed
/// JSON configs it can name. The keys are those of Axolotl's pydantic schema
/// (`src/axolotl/utils/schemas/`, `AxolotlInputConfig`), checked by `AxolotlExportTests`.
public enum AxolotlExport {
    /// Axolotl's `rl:` value for each recipe it trains; nil for SFT (no `rl:`). Axolotl has no
    /// PPO and no reward-model training path.
    static func rl(for recipe: Recipe) -> String?? {
        switch recipe {
        case .sft: .some(nil)
        case .dpo, .orpo, .simpo, .grpo: .some(recipe.rawValue)
        case .ppo, .reward: nil
        }
    }

    public static func files(for plan: ExportPlan) throws(ExportError) -> ExportFiles {
        try plan.checkCommonSettings()
        guard let rl = rl(for: plan.recipe) else {
            throw ExportError("recipe=\(plan.recipe.rawValue): Axolotl has no \(plan.recipe == .ppo ? "PPO" : "reward-model") training",
                              hints: ["export it with `export trl`\(plan.recipe == .ppo ? " (recipe=grpo)" : "")"])
        }
        if let p = plan.preference, plan.recipe == .dpo, p.kind != "sigmoid" && p.kind != "ipo" && p.kind != "hinge" {
            throw ExportError("loss=\(p.kind): hone's robust loss needs TRL's label smoothing, which Axolotl's DPO does not pass",
                              hints: ["export it with `export trl`, or use loss=sigmoid"])
        }
        if let p = plan.preference, p.labelSmoothing > 0 {
            throw ExportError("label_smoothing=\(p.labelSmoothing): Axolotl's DPO sets no label smoothing", hints: ["export it with `export trl` (loss=robust)"])
        }
        let (yaml, rows) = config(plan, rl: rl)
        var files: [(String, String)] = [("config.yml", yaml), (ExportPlan.trainFile, ExportPlan.jsonLines(plan.train))]
        if !plan.validation.isEmpty { files.append((ExportPlan.validationFile, ExportPlan.jsonLines(plan.validation))) }
        if let grpo = plan.grpo {
            files.append(("hone_rewards.py", "\"\"\"GRPO rewards exported by hone, with RewardRule's definitions.\"\"\"\n"
                          + "BASE_MODEL = \(RewardFunctionsPython.literal(plan.model.reference))\n"
                          + RewardFunctionsPython.source(for: [grpo.reward]) + axolotlRewardAdapters))
        }
        files.append(("deepspeed/zero2.json", deepSpeed(stage: 2)))
        files.append(("deepspeed/zero3.json", deepSpeed(stage: 3)))
        files.append(("README.md", readme(plan, rows: rows)))
        files.append(("hone.json", plan.recordJSON()))
        return ExportFiles(files)
    }

    /// Axolotl calls reward functions by dotted name and needs prompts mapped from the data.
    static let axolotlRewardAdapters = #"""


_REWARDS = []


def hone_reward(completions, completion_ids=None, **kwargs):
    """Axolotl names reward functions by module path; the tokenizer gives the EOS id that
    hone leaves out of an answer's length."""
    if not _REWARDS:
        from transformers import AutoTokenizer
        _REWARDS.extend(hone_rewards(AutoTokenizer.from_pretrained(BASE_MODEL)))
    return _REWARDS[0](completions, completion_ids=completion_ids, **kwargs)


def hone_prompts(cfg, *args, **kwargs):
    """The dataset transform: each record's `prompt` is already the templated text."""
    def transform(example, tokenizer=None):
        return {"prompt": example["prompt"]}
    return transform, {"remove_columns": []}
"""#

    /// The YAML text and the README's mapping rows.
    static func config(_ plan: ExportPlan, rl: String?) -> (String, [ExportMapping]) {
        let s = plan.settings
        var lines: [String] = ["# Exported by hone (`export axolotl`): \(plan.recipe.rawValue) of \(plan.model.reference). README.md lists every setting.",
                               "base_model: \(yaml(plan.model.reference))"]
        if let rl { lines.append("rl: \(rl)") }
        if let lora = plan.lora, plan.method != .full {
            lines += ["adapter: \(plan.method == .qlora ? "qlora" : "lora")",
                      "lora_r: \(lora.rank)", "lora_alpha: \(ExportNumber.number(lora.alpha))", "lora_dropout: \(ExportNumber.number(lora.dropout))",
                      "lora_target_modules:"] + lora.targets.map { "  - \($0)" }
            lines += ["peft_use_dora: \(lora.dora)", "peft_use_rslora: \(lora.rsLoRA)"]
            if lora.initialization != .kaiming { lines.append("peft_init_lora_weights: \(lora.initialization.rawValue)") }
            if plan.method == .qlora { lines.append("load_in_4bit: true") }
        }
        lines += ["datasets:"] + dataset(ExportPlan.trainFile, plan: plan)
        if !plan.validation.isEmpty {
            lines += ["test_datasets:"] + dataset(ExportPlan.validationFile, plan: plan, split: true)
        }
        if plan.template.hasPrefix("jinja:") {
            // The data is already rendered; this keeps the template with the saved tokenizer for inference.
            lines += ["chat_template: jinja", "chat_template_jinja: " + RewardFunctionsPython.literal(String(plan.template.dropFirst(6)))]
        }
        lines += ["val_set_size: 0", "sequence_len: \(s.sequenceLength)", "micro_batch_size: \(plan.recipe == .grpo ? s.batchSize * (plan.grpo?.group ?? 1) : s.batchSize)",
                  "gradient_accumulation_steps: \(s.accumulate)"]
        if let steps = s.steps { lines.append("max_steps: \(steps)") } else { lines.append("num_epochs: \(ExportNumber.number(plan.epochs))") }
        lines += ["learning_rate: \(s.learningRate)", "lr_scheduler: \(plan.schedulerName)", "warmup_steps: \(s.warmupSteps)",
                  "optimizer: adamw_torch", "adam_beta1: \(s.beta1)", "adam_beta2: \(s.beta2)", "adam_epsilon: \(s.epsilon)",
                  "weight_decay: \(ExportNumber.number(s.weightDecay))", "max_grad_norm: \(ExportNumber.number(s.maxGradientNorm))",
                  "seed: \(s.seed)", "bf16: \(s.precision == .bf16)", "fp16: false", "tf32: false",
                  "gradient_checkpointing: \(s.gradientCheckpointing)", "logging_steps: 1", "output_dir: ./output"]
        if plan.recipe == .sft { lines.append("train_on_inputs: \(s.trainOnAll)") }
        let evalEvery = s.evalEvery ?? max(1, (s.steps ?? 10) / 10)
        if !plan.validation.isEmpty { lines.append("eval_steps: \(evalEvery)") }
        if let p = s.patience, !plan.validation.isEmpty {
            // Axolotl's early stopping needs checkpoints at a multiple of the evaluation interval.
            lines += ["early_stopping_patience: \(p)", "save_steps: \(evalEvery)"]
        } else if let every = s.saveEvery {
            lines.append("save_steps: \(every)")
        }
        if let p = plan.preference {
            lines.append("rl_beta: \(p.beta)")
            if plan.recipe == .dpo { lines.append("dpo_loss_type: [\(p.kind)]") }
            if plan.recipe == .simpo { lines += ["simpo_gamma: \(p.gamma)", "cpo_alpha: 0.0"] }
            if plan.recipe == .orpo { lines.append("orpo_alpha: \(p.beta)") }
        }
        if let g = plan.grpo {
            lines += ["trl:", "  beta: 0.0", "  num_generations: \(g.group)", "  max_completion_length: \(g.maxNewTokens)",
                      "  temperature: \(g.temperature)", "  num_iterations: 1", "  loss_type: dapo", "  scale_rewards: group",
                      "  reward_funcs:", "    - hone_rewards.hone_reward"]
        }
        lines.append("# deepspeed: deepspeed/zero2.json   # or zero3.json, for several GPUs")

        let keys: [String: String?] = [
            "model": "base_model", "recipe": "rl", "method": "adapter / load_in_4bit", "r": "lora_r", "alpha": "lora_alpha", "dropout": "lora_dropout",
            "targets": "lora_target_modules", "rslora": "peft_use_rslora", "dora": "peft_use_dora", "init": "peft_init_lora_weights",
            "lr": "learning_rate", "schedule": "lr_scheduler", "warmup": "warmup_steps", "batch": "micro_batch_size",
            "accumulate": "gradient_accumulation_steps", "steps": "max_steps", "epochs": "num_epochs", "seq": "sequence_len",
            "optimizer": "optimizer=adamw_torch, adam_beta1/2, adam_epsilon", "weight_decay": "weight_decay", "clip": "max_grad_norm",
            "seed": "seed", "precision": "bf16", "checkpointing": "gradient_checkpointing", "train_on": "train_on_inputs",
            "eval_every": "eval_steps", "patience": "early_stopping_patience", "save_every": "save_steps",
        ]
        var rows = plan.commonMappings(keys: keys)
        if let p = plan.preference {
            rows.append(.init("beta", ExportNumber.number(p.beta), key: plan.recipe == .orpo ? "rl_beta, orpo_alpha" : "rl_beta"))
            if plan.recipe == .dpo { rows.append(.init("loss", p.kind, key: "dpo_loss_type")) }
            if plan.recipe == .simpo { rows.append(.init("gamma", ExportNumber.number(p.gamma), key: "simpo_gamma")) }
        }
        if let g = plan.grpo {
            rows += [.init("reward", g.reward.description, key: "trl.reward_funcs", note: "hone_rewards.py, with hone's definition"),
                     .init("group", String(g.group), key: "trl.num_generations"),
                     .init("max_tokens", String(g.maxNewTokens), key: "trl.max_completion_length"),
                     .init("temperature", ExportNumber.number(g.temperature), key: "trl.temperature")]
        }
        rows.append(.init("tokenisation", "BOS + prompt, then the answer + EOS", key: "datasets type",
                          note: "Axolotl tokenises prompt and answer itself; where tokens merge across the boundary its split can differ from hone's by a token"))
        return (lines.joined(separator: "\n") + "\n", rows)
    }

    /// A `datasets:` entry for a JSONL file of the plan's examples, in Axolotl's user-defined
    /// formats, whose format strings are just the fields: the prompt is already templated.
    static func dataset(_ path: String, plan: ExportPlan, split: Bool = false) -> [String] {
        var lines = ["  - path: \(path)", "    ds_type: json", "    split: train"]
        switch plan.recipe {
        case .orpo:
            // Axolotl's ORPO reads prompt/chosen/rejected columns as they are (no user-defined type).
            break
        case .dpo, .simpo:
            lines += ["    type:", "      field_prompt: prompt", "      field_chosen: chosen", "      field_rejected: rejected",
                      "      prompt_format: \"{prompt}\"", "      chosen_format: \"{chosen}\"", "      rejected_format: \"{rejected}\""]
        case .grpo:
            lines += ["    type: hone_rewards.hone_prompts"]
        default:
            lines += ["    type:", "      field_instruction: prompt", "      field_output: completion",
                      "      format: \"{instruction}\"", "      no_input_format: \"{instruction}\""]
        }
        return lines
    }

    static func deepSpeed(stage: Int) -> String {
        """
        {
          "zero_optimization": {
            "stage": \(stage),
            "overlap_comm": true,
            "contiguous_gradients": true\(stage == 3 ? ",\n    \"stage3_gather_16bit_weights_on_model_save\": true" : "")
          },
          "bf16": {"enabled": "auto"},
          "fp16": {"enabled": "auto"},
          "gradient_accumulation_steps": "auto",
          "gradient_clipping": "auto",
          "train_batch_size": "auto",
          "train_micro_batch_size_per_gpu": "auto",
          "wall_clock_breakdown": false
        }

        """
    }

    /// A YAML scalar: plain when safe, else double-quoted JSON.
    static func yaml(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-".contains($0) } && !text.isEmpty
        return safe ? text : RewardFunctionsPython.literal(text)
    }

    static func readme(_ plan: ExportPlan, rows: [ExportMapping]) -> String {
        let model = plan.model.isHubID
            ? "The model is the hub's `\(plan.model.reference)`."
            : "The model is the local directory `\(plan.model.reference)`: copy it to the cluster and change `base_model`."
        return """
            # \(plan.recipe.rawValue) of \(plan.model.reference), exported by hone for Axolotl

            `export axolotl` wrote this from a hone session: \(plan.recipe.command) (\(plan.method.rawValue)) on \
            `\(plan.dataName)` (\(plan.train.count) examples). \(model)

            ## Run it

            ```sh
            pip install axolotl
            axolotl train config.yml                              # one machine
            accelerate launch -m axolotl.cli.train config.yml     # several GPUs
            ```

            For DeepSpeed, uncomment `deepspeed: deepspeed/zero2.json` (or zero3.json) in config.yml. The \
            adapter is written to `output/`, which `load adapter output` reads back in hone.

            ## Every setting

            \(ExportPlan.table(rows, tool: "Axolotl"))
            Data: JSON Lines with the template already applied to each prompt (\(plan.template)), read with \
            Axolotl's user-defined dataset formats. `hone.json` is the session's recipe.

            """
    }
}
