extension Recipe {
    /// Simple preference optimisation (`simpo`): length-normalised log-probs with a target
    /// margin γ, no reference model. lr 1e-6; β 2.5 is the SimPO authors' (TRL's CPO uses 0.1).
    public static let simpo = Recipe(
        "simpo", command: "simpo", examples: .pairs, learningRates: (1e-6, 1e-6), defaultBeta: 2.5,
        recognises: { $0.rewardModel != true && $0.preference?.kind == "simpo" },
        trl: .success(TRLRecipe(
            module: "trl.experimental.cpo", trainer: "CPOTrainer", config: "CPOConfig",
            arguments: { plan in
                let p = plan.preference ?? PreferenceLossSettings(kind: "simpo", beta: 2.5)
                return ["loss_type": "simpo", "cpo_alpha": 0.0, "beta": p.beta, "simpo_gamma": p.gamma, "max_length": plan.settings.sequenceLength]
            },
            mappings: { plan in
                betaMapping(plan, key: "beta") + (plan.preference.map {
                    [ExportMapping("gamma", ExportNumber.number($0.gamma), key: "simpo_gamma", note: "CPOTrainer with loss_type=simpo and cpo_alpha=0 is SimPO")]
                } ?? [])
            })),
        axolotl: .success(AxolotlRecipe(
            rl: "simpo", datasetType: axolotlPairType,
            keys: { plan in plan.preference.map { ["rl_beta: \($0.beta)", "simpo_gamma: \($0.gamma)", "cpo_alpha: 0.0"] } ?? [] },
            mappings: { plan in betaMapping(plan, key: "rl_beta") + (plan.preference.map { [ExportMapping("gamma", ExportNumber.number($0.gamma), key: "simpo_gamma")] } ?? []) })))
}
