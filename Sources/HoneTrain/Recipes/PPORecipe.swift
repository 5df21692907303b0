extension Recipe {
    /// PPO (`ppo`): a value head, GAE and a per-token KL penalty. lr 1e-5 with LoRA (1e-6
    /// full). Neither tool trains it any more: TRL 1.16 removed PPOTrainer, and Axolotl has none.
    public static let ppo = Recipe(
        "ppo", command: "ppo", examples: .prompts, learningRates: (1e-5, 1e-6),
        recognises: { $0.ppo != nil },
        trl: .failure(ExportError("recipe=ppo: TRL 1.16 has no PPOTrainer (it was removed from TRL; its successor for RL is GRPOTrainer)",
                                  hints: ["export recipe=grpo, or train PPO in hone"])),
        axolotl: .failure(ExportError("recipe=ppo: Axolotl has no PPO training", hints: ["export it with `export trl` (recipe=grpo)"])))
}
