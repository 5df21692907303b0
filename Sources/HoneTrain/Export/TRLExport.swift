import Foundation
import HonePEFT

/// `export trl DIR`: a directory that runs the session's fine-tune with TRL's trainer for the
/// recipe and a PEFT `LoraConfig`, on one machine (`python train.py`) or many (`accelerate
/// launch` with the DDP, ZeRO-2, ZeRO-3 or FSDP config beside it). The versions it was checked
/// with are TRL 1.16, transformers 5.25, PEFT 0.21 and accelerate 1.16 (scripts/check-export).
public enum TRLExport {
    /// The files of the export, or the reason it cannot be made faithfully.
    public static func files(for plan: ExportPlan) throws(ExportError) -> ExportFiles {
        try plan.checkCommonSettings()
        let names = try plan.recipe.trl.get()
        if let refusal = names.refusal(plan) { throw refusal }
        let arguments = trainingArguments(plan, recipe: names)
        var settings: [String: Any] = [
            "recipe": plan.recipe.rawValue, "model": plan.model.reference, "method": plan.method.rawValue,
            "bos": plan.hasBOS, "eos": plan.hasEOS, "max_length": plan.settings.sequenceLength,
            "train_file": ExportPlan.trainFile, "trainer": names.trainer, "trainer_module": names.module, "config_class": names.config,
            "args": arguments, "validation_file": plan.validation.isEmpty ? NSNull() : ExportPlan.validationFile as Any,
            "patience": plan.settings.patience.map { $0 as Any } ?? NSNull(),
        ]
        if let lora = plan.lora, plan.method != .full { settings["lora"] = loraConfig(lora, recipe: plan.recipe) }
        if plan.method == .qlora { settings["load_in_4bit"] = true }
        if let grpo = plan.grpo { settings["rewards"] = [grpo.reward.description] }
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: settings, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw ExportError("the settings do not write as JSON for train.py: \(error)")
        }
        let json = String(decoding: data, as: UTF8.self)
        var files: [(String, String)] = [
            ("train.py", TRLScript.header(plan) + "HONE = json.loads(r'''\n" + json + "\n''')\n" + TRLScript.body
             + (plan.grpo.map { RewardFunctionsPython.source(for: [$0.reward]) } ?? "") + TRLScript.main),
            (ExportPlan.trainFile, ExportPlan.jsonLines(plan.train)),
        ]
        if !plan.validation.isEmpty { files.append((ExportPlan.validationFile, ExportPlan.jsonLines(plan.validation))) }
        files += AccelerateConfigs.files(plan)
        files.append(("README.md", readme(plan, names: names)))
        files.append(("hone.json", plan.recordJSON()))
        return ExportFiles(files)
    }

    /// The trainer configuration's keyword arguments: every value hone uses, written out even
    /// where it equals TRL's default, so a change of TRL's defaults cannot change the run.
    static func trainingArguments(_ plan: ExportPlan, recipe: TRLRecipe) -> [String: Any] {
        let s = plan.settings
        var a: [String: Any] = [
            "learning_rate": s.learningRate, "lr_scheduler_type": plan.schedulerName, "warmup_steps": s.warmupSteps,
            "per_device_train_batch_size": plan.batchOfAnswers, "per_device_eval_batch_size": plan.batchOfAnswers,
            "gradient_accumulation_steps": s.accumulate,
            "num_train_epochs": plan.epochs, "max_steps": s.steps ?? -1,
            "optim": "adamw_torch", "adam_beta1": s.beta1, "adam_beta2": s.beta2, "adam_epsilon": s.epsilon,
            "weight_decay": s.weightDecay, "max_grad_norm": s.maxGradientNorm, "seed": Int(s.seed), "data_seed": Int(s.seed),
            "bf16": s.precision == .bf16, "fp16": false, "gradient_checkpointing": s.gradientCheckpointing,
            "logging_steps": 1, "report_to": "none", "save_strategy": s.saveEvery == nil ? "no" : "steps",
            "remove_unused_columns": false,
        ]
        if let every = s.saveEvery { a["save_steps"] = every }
        if !plan.validation.isEmpty {
            a["eval_strategy"] = "steps"
            a["eval_steps"] = s.evalEvery ?? max(1, (s.steps ?? 10) / 10)
            if s.patience != nil {
                a["load_best_model_at_end"] = true
                a["metric_for_best_model"] = "eval_loss"
                a["greater_is_better"] = false
                a["save_strategy"] = "steps"
                a["save_steps"] = a["eval_steps"]
            }
        }
        a.merge(recipe.arguments(plan)) { _, particular in particular }
        return a
    }

    /// PEFT's LoraConfig keyword arguments for hone's adapter settings.
    static func loraConfig(_ lora: LoRASettings, recipe: Recipe) -> [String: Any] {
        let initialization: Any = switch lora.initialization {
        case .kaiming: true
        case .gaussian: "gaussian"
        case .pissa: "pissa"
        }
        return ["r": lora.rank, "lora_alpha": lora.alpha, "lora_dropout": lora.dropout, "target_modules": lora.targets,
                "use_rslora": lora.rsLoRA, "use_dora": lora.dora, "init_lora_weights": initialization, "bias": "none",
                "task_type": recipe == .reward ? "SEQ_CLS" : "CAUSAL_LM"]
    }

    static let keys: [String: String?] = [
        "model": "model (train.py --model)", "recipe": "trainer class", "method": "peft_config / load_in_4bit",
        "r": "LoraConfig.r", "alpha": "LoraConfig.lora_alpha", "dropout": "LoraConfig.lora_dropout",
        "targets": "LoraConfig.target_modules", "rslora": "LoraConfig.use_rslora", "dora": "LoraConfig.use_dora",
        "init": "LoraConfig.init_lora_weights", "lr": "learning_rate", "schedule": "lr_scheduler_type", "warmup": "warmup_steps",
        "batch": "per_device_train_batch_size", "accumulate": "gradient_accumulation_steps", "steps": "max_steps",
        "epochs": "num_train_epochs", "seq": "max_length", "optimizer": "optim=adamw_torch, adam_beta1/2, adam_epsilon",
        "weight_decay": "weight_decay", "clip": "max_grad_norm", "seed": "seed, data_seed", "precision": "bf16",
        "checkpointing": "gradient_checkpointing", "train_on": "completion_only_loss", "eval_every": "eval_steps",
        "patience": "EarlyStoppingCallback(early_stopping_patience)", "save_every": "save_steps",
    ]

    static func readme(_ plan: ExportPlan, names: TRLRecipe) -> String {
        var rows = plan.commonMappings(keys: keys) + names.mappings(plan)
        if names.tokenisesAsHone {
            rows.append(.init("tokenisation", "BOS + prompt, then the answer on its own + EOS", key: nil,
                              note: "train.py tokenises as hone does and hands TRL the ids, so the loss mask is hone's: the prompt is masked, the answer and EOS are trained"))
        } else if plan.recipe.examples != .prompts {
            rows.append(.init("tokenisation", "BOS + prompt, then the answer on its own + EOS", key: nil,
                              note: "\(names.trainer) tokenises prompt+answer itself; where tokens merge across the boundary its split can differ from hone's by a token"))
        }
        if !plan.validation.isEmpty {
            rows.append(.init("validation loss", "summed over all target tokens ÷ their number", key: nil,
                              note: "the Trainer averages per evaluation batch; the two agree exactly when the validation set fits one batch (per_device_eval_batch_size)"))
        }
        if plan.method == .qlora {
            rows.append(.init("quantisation", "NF4 base weights", key: "BitsAndBytesConfig(load_in_4bit, nf4)",
                              note: "needs bitsandbytes on a CUDA machine; compute dtype is bf16 under bf16, else float32"))
        }
        let model = plan.model.isHubID
            ? "The model is the hub's `\(plan.model.reference)`; it downloads on first use."
            : "The model is the local directory `\(plan.model.reference)`: copy it to the cluster and run with `--model PATH`."
        return """
            # \(plan.recipe.rawValue) of \(plan.model.reference), exported by hone for TRL

            `export trl` wrote this from a hone session: \(plan.recipe.command) (\(plan.method.rawValue)) on \
            `\(plan.dataName)` (\(plan.train.count) examples\(plan.validationName.map { ", validating on `\($0)` (\(plan.validation.count))" } ?? "")) \
            with TRL's `\(names.trainer)`. \(model)

            ## Run it

            ```sh
            pip install trl peft transformers accelerate datasets   # and deepspeed for the ZeRO configs
            python train.py                                         # one machine (CPU or one GPU)
            accelerate launch --config_file accelerate/ddp.yaml train.py     # several GPUs, data parallel
            accelerate launch --config_file accelerate/zero2.yaml train.py   # DeepSpeed ZeRO-2
            accelerate launch --config_file accelerate/zero3.yaml train.py   # DeepSpeed ZeRO-3
            accelerate launch --config_file accelerate/fsdp.yaml train.py    # FSDP
            ```

            Set `num_processes` in the config to the number of GPUs (8 is written). `--max-steps N` stops early, \
            for a smoke test. The script evaluates once before the first step (written to \
            `output/initial_eval.json`) when there is validation data, then trains and writes the adapter \
            (or, for method=full, the model) to `output/`, which `load adapter output` reads back in hone.

            ## Every setting

            \(ExportPlan.table(rows, tool: "TRL"))
            Data: `\(ExportPlan.trainFile)`\(plan.validation.isEmpty ? "" : " and `\(ExportPlan.validationFile)`"), JSON Lines \
            with `prompt`\(plan.recipe.usesPreferencePairs ? ", `chosen`, `rejected`" : plan.recipe.examples == .prompts ? "" : ", `completion`"); \
            the prompt is the templated text (\(plan.template)). `hone.json` is the session's recipe.

            """
    }
}
