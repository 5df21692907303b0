import Foundation
import HonePEFT

/// `export axolotl DIR`: a `config.yml` in Axolotl's own keys, its data, and the DeepSpeed
/// JSON configs it can name. The keys are those of Axolotl's pydantic schema
/// (`src/axolotl/utils/schemas/`, `AxolotlInputConfig`), checked by `AxolotlExportTests`.
public enum AxolotlExport {
    public static func files(for plan: ExportPlan) throws(ExportError) -> ExportFiles {
        try plan.checkCommonSettings()
        let recipe = try plan.recipe.axolotl.get()
        if let refusal = recipe.refusal(plan) { throw refusal }
        let (yaml, rows) = config(plan, recipe: recipe)
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
    static func config(_ plan: ExportPlan, recipe: AxolotlRecipe) -> (String, [ExportMapping]) {
        let s = plan.settings
        var lines: [String] = ["# Exported by hone (`export axolotl`): \(plan.recipe.rawValue) of \(plan.model.reference). README.md lists every setting.",
                               "base_model: \(yaml(plan.model.reference))"]
        if let rl = recipe.rl { lines.append("rl: \(rl)") }
        if let lora = plan.lora, plan.method != .full {
            lines += ["adapter: \(plan.method == .qlora ? "qlora" : "lora")",
                      "lora_r: \(lora.rank)", "lora_alpha: \(ExportNumber.number(lora.alpha))", "lora_dropout: \(ExportNumber.number(lora.dropout))",
                      "lora_target_modules:"] + lora.targets.map { "  - \($0)" }
            lines += ["peft_use_dora: \(lora.dora)", "peft_use_rslora: \(lora.rsLoRA)"]
            if lora.initialization != .kaiming { lines.append("peft_init_lora_weights: \(lora.initialization.rawValue)") }
            if plan.method == .qlora { lines.append("load_in_4bit: true") }
        }
        lines += ["datasets:"] + dataset(ExportPlan.trainFile, recipe: recipe)
        if !plan.validation.isEmpty {
            lines += ["test_datasets:"] + dataset(ExportPlan.validationFile, recipe: recipe)
        }
        if plan.template.hasPrefix("jinja:") {
            // The data is already rendered; this keeps the template with the saved tokenizer for inference.
            lines += ["chat_template: jinja", "chat_template_jinja: " + RewardFunctionsPython.literal(String(plan.template.dropFirst(6)))]
        }
        lines += ["val_set_size: 0", "sequence_len: \(s.sequenceLength)", "micro_batch_size: \(plan.batchOfAnswers)",
                  "gradient_accumulation_steps: \(s.accumulate)"]
        if let steps = s.steps { lines.append("max_steps: \(steps)") } else { lines.append("num_epochs: \(ExportNumber.number(plan.epochs))") }
        lines += ["learning_rate: \(s.learningRate)", "lr_scheduler: \(plan.schedulerName)", "warmup_steps: \(s.warmupSteps)",
                  "optimizer: adamw_torch", "adam_beta1: \(s.beta1)", "adam_beta2: \(s.beta2)", "adam_epsilon: \(s.epsilon)",
                  "weight_decay: \(ExportNumber.number(s.weightDecay))", "max_grad_norm: \(ExportNumber.number(s.maxGradientNorm))",
                  "seed: \(s.seed)", "bf16: \(s.precision == .bf16)", "fp16: false", "tf32: false",
                  "gradient_checkpointing: \(s.gradientCheckpointing)", "logging_steps: 1", "output_dir: ./output"]
        let evalEvery = s.evalEvery ?? max(1, (s.steps ?? 10) / 10)
        if !plan.validation.isEmpty { lines.append("eval_steps: \(evalEvery)") }
        if let p = s.patience, !plan.validation.isEmpty {
            // Axolotl's early stopping needs checkpoints at a multiple of the evaluation interval.
            lines += ["early_stopping_patience: \(p)", "save_steps: \(evalEvery)"]
        } else if let every = s.saveEvery {
            lines.append("save_steps: \(every)")
        }
        lines += recipe.keys(plan)
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
        let rows = plan.commonMappings(keys: keys) + recipe.mappings(plan) + [
            ExportMapping("tokenisation", "BOS + prompt, then the answer + EOS", key: "datasets type",
                          note: "Axolotl tokenises prompt and answer itself; where tokens merge across the boundary its split can differ from hone's by a token")]
        return (lines.joined(separator: "\n") + "\n", rows)
    }

    /// A `datasets:` entry for a JSONL file of the plan's examples, typed as the recipe says.
    static func dataset(_ path: String, recipe: AxolotlRecipe) -> [String] {
        ["  - path: \(path)", "    ds_type: json", "    split: train"] + recipe.datasetType
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
