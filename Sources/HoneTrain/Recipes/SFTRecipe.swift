extension Recipe {
    /// Supervised fine-tuning (`train`): the answer and its EOS are trained, the prompt is only
    /// context. Hugging Face's learning rates: 2e-4 with adapters, 5e-5 for every weight.
    public static let sft = Recipe(
        "sft", command: "train", examples: .completions, learningRates: (2e-4, 5e-5),
        recognises: { $0.preference == nil && $0.grpo == nil && $0.ppo == nil && $0.rewardModel != true },
        trl: .success(TRLRecipe(
            module: "trl", trainer: "SFTTrainer", config: "SFTConfig", tokenisesAsHone: true,
            arguments: { plan in
                ["max_length": plan.settings.sequenceLength, "completion_only_loss": !plan.settings.trainOnAll, "packing": false]
            })),
        axolotl: .success(AxolotlRecipe(
            rl: nil,
            // Axolotl's user-defined instruction format, whose format strings are just the
            // field: the prompt (masked) is templated already, the output and EOS are trained.
            datasetType: ["    type:", "      field_instruction: prompt", "      field_output: completion",
                          "      format: \"{instruction}\"", "      no_input_format: \"{instruction}\""],
            keys: { plan in ["train_on_inputs: \(plan.settings.trainOnAll)"] })))
}
