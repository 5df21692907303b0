extension Recipe {
    /// Odds-ratio preference optimisation (`orpo`): SFT on the chosen answer plus β times the
    /// log-odds term, no reference model. lr 1e-6, β 0.1 (TRL's).
    public static let orpo = Recipe(
        "orpo", command: "orpo", examples: .pairs, learningRates: (1e-6, 1e-6), defaultBeta: 0.1,
        recognises: { $0.rewardModel != true && $0.preference?.kind == "orpo" },
        trl: .success(TRLRecipe(
            module: "trl.experimental.orpo", trainer: "ORPOTrainer", config: "ORPOConfig",
            arguments: { plan in ["beta": plan.preference?.beta ?? 0.1, "max_length": plan.settings.sequenceLength] },
            mappings: { plan in betaMapping(plan, key: "beta") })),
        axolotl: .success(AxolotlRecipe(
            // Axolotl's ORPO reads prompt/chosen/rejected columns as they are (no user-defined type).
            rl: "orpo",
            keys: { plan in plan.preference.map { ["rl_beta: \($0.beta)", "orpo_alpha: \($0.beta)"] } ?? [] },
            mappings: { plan in betaMapping(plan, key: "rl_beta, orpo_alpha") })))
}
