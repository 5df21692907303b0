extension Recipe {
    /// Direct preference optimisation (`dpo`) against the adapter-disabled reference, with the
    /// sigmoid, IPO, hinge and robust losses. TRL's advice: lr 5e-6 with LoRA (5e-7 full), β 0.1.
    public static let dpo = Recipe(
        "dpo", command: "dpo", examples: .pairs, learningRates: (5e-6, 5e-7), defaultBeta: 0.1,
        recognises: { c in c.rewardModel != true && c.preference.map { $0.kind != "orpo" && $0.kind != "simpo" } ?? false },
        trl: .success(TRLRecipe(
            module: "trl", trainer: "DPOTrainer", config: "DPOConfig", tokenisesAsHone: true,
            arguments: { plan in
                let p = plan.preference ?? PreferenceLossSettings(kind: "sigmoid")
                return ["beta": p.beta, "loss_type": [p.kind], "label_smoothing": p.labelSmoothing, "max_length": plan.settings.sequenceLength]
            },
            mappings: { plan in
                betaMapping(plan, key: "beta") + (plan.preference.map {
                    [ExportMapping("loss", $0.kind, key: "loss_type"), ExportMapping("label_smoothing", ExportNumber.number($0.labelSmoothing), key: "label_smoothing")]
                } ?? [])
            },
            refusal: { plan in
                guard let p = plan.preference, p.kind == "sigmoid", p.labelSmoothing > 0 else { return nil }
                return ExportError("label_smoothing=\(p.labelSmoothing) with loss=sigmoid (conservative DPO): TRL 1.16's sigmoid loss ignores label_smoothing",
                                   hints: ["use loss=robust, whose ε TRL does read, or label_smoothing=0"])
            })),
        axolotl: .success(AxolotlRecipe(
            rl: "dpo", datasetType: axolotlPairType,
            keys: { plan in plan.preference.map { ["rl_beta: \($0.beta)", "dpo_loss_type: [\($0.kind)]"] } ?? [] },
            mappings: { plan in betaMapping(plan, key: "rl_beta") + (plan.preference.map { [ExportMapping("loss", $0.kind, key: "dpo_loss_type")] } ?? []) },
            refusal: { plan in
                guard let p = plan.preference else { return nil }
                if p.kind == "robust" {
                    return ExportError("loss=robust: hone's robust loss needs TRL's label smoothing, which Axolotl's DPO does not pass",
                                       hints: ["export it with `export trl`, or use loss=sigmoid"])
                }
                if p.labelSmoothing > 0 {
                    return ExportError("label_smoothing=\(p.labelSmoothing): Axolotl's DPO sets no label smoothing", hints: ["export it with `export trl` (loss=robust)"])
                }
                return nil
            })))
}
