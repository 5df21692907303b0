extension Recipe {
    /// Group-relative policy optimisation (`grpo`): answers sampled per prompt, advantages
    /// relative to their group, one update per sample, β 0. lr 1e-5 with LoRA (1e-6 full).
    public static let grpo = Recipe(
        "grpo", command: "grpo", examples: .prompts, learningRates: (1e-5, 1e-6),
        recognises: { $0.grpo != nil },
        trl: .success(TRLRecipe(
            module: "trl", trainer: "GRPOTrainer", config: "GRPOConfig",
            arguments: { plan in
                guard let g = plan.grpo else { return [:] }
                // hone's loss: one update per sample (the ratio is 1), β 0, rewards scaled within
                // their group, the sum over answer tokens ÷ their number (TRL's dapo).
                return ["num_generations": g.group, "max_completion_length": g.maxNewTokens, "temperature": g.temperature,
                        "top_p": 1.0, "top_k": 0, "beta": 0.0, "num_iterations": 1, "loss_type": "dapo",
                        "scale_rewards": "group", "epsilon": 0.2]
            },
            mappings: { plan in grpoMappings(plan, prefix: "") })),
        axolotl: .success(AxolotlRecipe(
            rl: "grpo", datasetType: ["    type: hone_rewards.hone_prompts"],
            keys: { plan in
                guard let g = plan.grpo else { return [] }
                return ["trl:", "  beta: 0.0", "  num_generations: \(g.group)", "  max_completion_length: \(g.maxNewTokens)",
                        "  temperature: \(g.temperature)", "  num_iterations: 1", "  loss_type: dapo", "  scale_rewards: group",
                        "  reward_funcs:", "    - hone_rewards.hone_reward"]
            },
            mappings: { plan in grpoMappings(plan, prefix: "trl.") })))

    static func grpoMappings(_ plan: ExportPlan, prefix: String) -> [ExportMapping] {
        guard let g = plan.grpo else { return [] }
        return [.init("reward", g.reward.description, key: prefix + "reward_funcs", note: "a Python function with hone's definition"),
                .init("group", String(g.group), key: prefix + "num_generations"),
                .init("max_tokens", String(g.maxNewTokens), key: prefix + "max_completion_length"),
                .init("temperature", ExportNumber.number(g.temperature), key: prefix + "temperature", note: "top_p 1, top_k 0: plain sampling, as hone"),
                .init("(GRPO loss)", "one update per sample, β 0, dapo normalisation, group-scaled rewards",
                      key: prefix + "num_iterations=1, beta=0, loss_type=dapo, scale_rewards=group")]
    }
}
