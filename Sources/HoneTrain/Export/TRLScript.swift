/// The text of an exported `train.py`. Only the settings (`HONE`) and the reward functions
/// change from export to export; the code reads them, so every export runs the same script.
enum TRLScript {
    static func header(_ plan: ExportPlan) -> String {
        """
        #!/usr/bin/env python3
        \"\"\"\(plan.recipe.rawValue) of \(plan.model.reference) with TRL, exported by hone (`export trl`).

            python train.py                                             one machine
            accelerate launch --config_file accelerate/ddp.yaml train.py    several GPUs

        The trained adapter (or model) goes to output/; README.md lists every setting.
        \"\"\"
        import argparse
        import json
        import sys
        from pathlib import Path

        import torch
        from datasets import load_dataset

        HERE = Path(__file__).resolve().parent

        """
    }

    static let body = #"""


def arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=HONE["model"], help="the base model: a hub id or a local directory")
    parser.add_argument("--max-steps", type=int, help="stop after this many optimizer steps (a smoke test)")
    parser.add_argument("--output", default=str(HERE / "output"), help="where the adapter (or model) is written")
    parser.add_argument("--no-initial-eval", action="store_true", help="skip the evaluation before the first step")
    return parser.parse_args()


def hone_tokens(tokenizer, prompt, answer):
    """hone's tokenisation: BOS + the prompt, then the answer encoded on its own + EOS, cut at
    max_length. The prompt's ids are masked from the loss; the answer's and EOS are trained."""
    limit = HONE["max_length"]
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"] if prompt else []
    bos = tokenizer.bos_token_id
    if HONE["bos"] and bos is not None and (not prompt_ids or prompt_ids[0] != bos):
        prompt_ids = [bos] + prompt_ids
    answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"] if answer else []
    eos = tokenizer.eos_token_id
    if HONE["eos"] and eos is not None and (not answer_ids or answer_ids[-1] != eos):
        answer_ids = answer_ids + [eos]
    prompt_ids = prompt_ids[:limit]
    return prompt_ids, answer_ids[: max(0, limit - len(prompt_ids))]


def sft_features(tokenizer):
    def encode(example):
        prompt_ids, answer_ids = hone_tokens(tokenizer, example["prompt"], example["completion"])
        return {"input_ids": prompt_ids + answer_ids, "completion_mask": [0] * len(prompt_ids) + [1] * len(answer_ids)}
    return encode


def load(path):
    return load_dataset("json", data_files=str(HERE / path), split="train")


def peft_config():
    if HONE["method"] == "full":
        return None
    from peft import LoraConfig
    return LoraConfig(**HONE["lora"])


def model_arguments():
    if not HONE.get("load_in_4bit"):
        return {"dtype": torch.float32}
    from transformers import BitsAndBytesConfig
    compute = torch.bfloat16 if HONE["args"]["bf16"] else torch.float32
    return {"quantization_config": BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                                      bnb_4bit_use_double_quant=False, bnb_4bit_compute_dtype=compute)}


def dpo_trainer_class(base):
    class HoneTokenizedDPOTrainer(base):
        """TRL's DPOTrainer, with each pair tokenised as hone does (the answers on their own)."""

        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            tokenizer = getattr(processing_class, "tokenizer", processing_class)

            def encode(example):
                prompt_ids, chosen_ids = hone_tokens(tokenizer, example["prompt"], example["chosen"])
                _, rejected_ids = hone_tokens(tokenizer, example["prompt"], example["rejected"])
                return {"prompt_ids": prompt_ids, "chosen_ids": chosen_ids, "rejected_ids": rejected_ids}

            dataset = dataset.map(encode, remove_columns=["prompt", "chosen", "rejected"])
            return dataset.filter(lambda example: len(example["prompt_ids"]) < HONE["max_length"])

    return HoneTokenizedDPOTrainer

"""#

    static let main = #"""


def main():
    options = arguments()
    import importlib
    import transformers
    from transformers import AutoTokenizer

    module = importlib.import_module(HONE["trainer_module"])
    trainer_class = getattr(module, HONE["trainer"])
    config_class = getattr(module, HONE["config_class"])
    recipe = HONE["recipe"]

    settings = dict(HONE["args"])
    settings["output_dir"] = options.output
    if options.max_steps is not None:
        settings["max_steps"] = options.max_steps
    transformers.set_seed(settings["seed"])
    config = config_class(**settings)

    tokenizer = AutoTokenizer.from_pretrained(options.model)
    if tokenizer.pad_token is None:
        # hone pads by position and masks padding from the loss, so the pad id is never scored.
        tokenizer.pad_token = tokenizer.eos_token
    if recipe == "reward":
        from transformers import AutoModelForSequenceClassification
        model = AutoModelForSequenceClassification.from_pretrained(options.model, num_labels=1, **model_arguments())
        model.config.pad_token_id = tokenizer.pad_token_id
    else:
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(options.model, **model_arguments())

    train = load(HONE["train_file"])
    validation = load(HONE["validation_file"]) if HONE["validation_file"] else None
    if recipe == "sft":
        train = train.map(sft_features(tokenizer), remove_columns=["prompt", "completion"])
        if validation is not None:
            validation = validation.map(sft_features(tokenizer), remove_columns=["prompt", "completion"])
    if recipe == "dpo":
        trainer_class = dpo_trainer_class(trainer_class)

    extra = {}
    if recipe == "grpo":
        extra["reward_funcs"] = hone_rewards(tokenizer)
    callbacks = []
    if HONE["patience"] is not None and validation is not None:
        from transformers import EarlyStoppingCallback
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=HONE["patience"]))
    trainer = trainer_class(model=model, args=config, train_dataset=train, eval_dataset=validation,
                            processing_class=tokenizer, peft_config=peft_config(), callbacks=callbacks, **extra)

    output = Path(options.output)
    output.mkdir(parents=True, exist_ok=True)
    if validation is not None and not options.no_initial_eval:
        initial = trainer.evaluate()
        if trainer.is_world_process_zero():
            (output / "initial_eval.json").write_text(json.dumps(initial, indent=2, sort_keys=True) + "\n")
            print("initial evaluation:", json.dumps(initial, sort_keys=True))
    trainer.train()
    trainer.save_model(options.output)
    if trainer.is_world_process_zero():
        print(f"wrote {options.output}")


if __name__ == "__main__":
    main()
"""#
}
