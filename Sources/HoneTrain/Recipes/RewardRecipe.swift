import Foundation

extension Recipe {
    /// A reward model (`reward train`): a scalar head on the last token, trained on the
    /// Bradley–Terry loss of preference pairs. lr 1e-4, TRL's RewardConfig.
    public static let reward = Recipe(
        "reward", command: "reward train", examples: .pairs, learningRates: (1e-4, 1e-4),
        recognises: { $0.rewardModel == true },
        trl: .success(TRLRecipe(
            module: "trl", trainer: "RewardTrainer", config: "RewardConfig",
            arguments: { plan in ["max_length": plan.settings.sequenceLength, "center_rewards_coefficient": NSNull()] })),
        axolotl: .failure(ExportError("recipe=reward: Axolotl has no reward-model training", hints: ["export it with `export trl`"])))
}
