import Foundation
import HonePEFT

/// What both exports check and share: the refusals that hold whatever the tool, and the values
/// written where the tool's default differs from hone's.
extension ExportPlan {
    /// Refuses what no exported run could reproduce, naming the setting.
    func checkCommonSettings() throws(ExportError) {
        if settings.optimizer == .sgd {
            throw ExportError("optimizer=sgd has no exact equivalent in the Hugging Face Trainer (its `sgd` has no momentum setting)",
                              hints: ["export with optimizer=adamw"])
        }
        if settings.trainOnAll && recipe != .sft {
            throw ExportError("train_on=all applies to supervised fine-tuning only")
        }
        if case .model(let name)? = grpo?.reward {
            throw ExportError("reward=model:\(name): exporting a reward model with the policy is not supported yet",
                              hints: ["export the rule rewards (contains:, max_length:), or export the reward model's run with recipe=reward first"])
        }
        if method != .full && lora == nil {
            throw ExportError("method=\(method.rawValue) needs an adapter, and the session has none",
                              hints: ["add one with `lora …` (or `qlora`, `dora`), or export method=full"])
        }
        if train.isEmpty { throw ExportError("\(dataName) has no examples to export") }
        if !templateParsesSpecialTokens, let (token, index) = literalSpecialToken() {
            throw ExportError("the template \(template.hasPrefix("jinja:") ? "(a chat template)" : template) renders example \(index + 1) with `\(token)` as text: "
                              + "hone encodes it as plain characters, but the tools' tokenizers read it as the special token, so the two would train on different ids",
                              hints: ["remove `\(token)` from the template or the data, or use a chat template (`template chatml`, `template model`), whose special tokens both read alike"])
        }
    }

    /// The first special token's text found in an example, with the example's index.
    func literalSpecialToken() -> (String, Int)? {
        let tokens = specialTokenTexts.filter { !$0.isEmpty }
        for (index, example) in (train + validation).enumerated() {
            for text in example.jsonObject.values {
                if let token = tokens.first(where: { text.contains($0) }) { return (token, index) }
            }
        }
        return nil
    }

    /// The Hugging Face scheduler name for hone's schedule (warm-up is a separate setting).
    var schedulerName: String {
        switch settings.schedule {
        case .constant: settings.warmupSteps > 0 ? "constant_with_warmup" : "constant"
        case .linear: "linear"
        case .cosine: "cosine"
        }
    }

    /// hone's settings as written into the tool's configuration, with the tool's key for each.
    /// `keys` renames hone's setting to the tool's key; a nil key means the setting has no
    /// counterpart and the note says what was chosen.
    func commonMappings(keys: [String: String?]) -> [ExportMapping] {
        func key(_ setting: String) -> String? { keys[setting] ?? nil }
        var rows: [ExportMapping] = [
            .init("model", model.reference, key: key("model")),
            .init("recipe", recipe.rawValue, key: key("recipe")),
            .init("method", method.rawValue, key: key("method")),
        ]
        if let lora {
            rows += [.init("r", String(lora.rank), key: key("r")),
                     .init("alpha", ExportNumber.number(lora.alpha), key: key("alpha")),
                     .init("dropout", ExportNumber.number(lora.dropout), key: key("dropout")),
                     .init("targets", lora.targets.joined(separator: ","), key: key("targets")),
                     .init("rslora", String(lora.rsLoRA), key: key("rslora")),
                     .init("dora", String(lora.dora), key: key("dora")),
                     .init("init", lora.initialization.rawValue, key: key("init")),
                     .init("adapter seed", String(lora.seed), key: nil,
                           note: "the tool draws A from its own generator seeded by `seed`; the initial adapter differs in its random values, not its distribution")]
        }
        rows += [
            .init("lr", Recipe.format(settings.learningRate), key: key("lr")),
            .init("schedule", settings.schedule.rawValue, key: key("schedule"), note: settings.schedule == .constant && settings.warmupSteps > 0 ? "constant_with_warmup, since warmup > 0" : nil),
            .init("warmup", String(settings.warmupSteps), key: key("warmup")),
            .init("batch", String(settings.batchSize), key: key("batch"), note: grpo != nil ? "× group: the tool counts answers, hone counts prompts" : nil),
            .init("accumulate", String(settings.accumulate), key: key("accumulate")),
            settings.steps.map { .init("steps", String($0), key: key("steps")) }
                ?? .init("epochs", ExportNumber.number(settings.epochs ?? 1), key: key("epochs")),
            .init("seq", String(settings.sequenceLength), key: key("seq")),
            .init("optimizer", "adamw (betas \(ExportNumber.number(settings.beta1))/\(ExportNumber.number(settings.beta2)), eps \(Recipe.format(settings.epsilon)))", key: key("optimizer")),
            .init("weight_decay", ExportNumber.number(settings.weightDecay), key: key("weight_decay"),
                  note: "biases and norm weights are exempt in both, by the Hugging Face Trainer's rule"),
            .init("clip", ExportNumber.number(settings.maxGradientNorm), key: key("clip")),
            .init("seed", String(settings.seed), key: key("seed")),
            .init("precision", (settings.precision ?? .fp32).rawValue, key: key("precision")),
            .init("checkpointing", String(settings.gradientCheckpointing), key: key("checkpointing")),
        ]
        if recipe == .sft { rows.append(.init("train_on", settings.trainOnAll ? "all" : "completion", key: key("train_on"))) }
        if let e = settings.evalEvery { rows.append(.init("eval_every", String(e), key: key("eval_every"))) }
        if let p = settings.patience { rows.append(.init("patience", String(p), key: key("patience"))) }
        if let s = settings.saveEvery { rows.append(.init("save_every", String(s), key: key("save_every"))) }
        if settings.sampleEvery != nil {
            rows.append(.init("sample_every", String(settings.sampleEvery!), key: nil,
                              note: "not exported: samples during training are hone's display; the tool logs metrics only"))
        }
        rows.append(.init("data", "\(dataName) (\(train.count) examples)", key: ExportPlan.trainFile))
        if let validationName { rows.append(.init("val", "\(validationName) (\(validation.count) examples)", key: ExportPlan.validationFile)) }
        rows.append(.init("template", template, key: nil,
                          note: "already applied: each prompt in the data files is the templated text, so the tool needs no template"))
        return rows
    }

    /// The mapping table as Markdown, for the README.
    static func table(_ rows: [ExportMapping], tool: String) -> String {
        var out = "| hone setting | value | \(tool) key | note |\n| --- | --- | --- | --- |\n"
        for row in rows {
            let key = row.key.map { "`\($0)`" } ?? "(none)"
            out += "| `\(row.setting)` | `\(row.value.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "\\n"))` | \(key) | \(row.note ?? "") |\n"
        }
        return out
    }

    /// hone.json: the plan that made the export, so the same export can be made again.
    public func recordJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }
}

/// Numbers as the exported files write them.
enum ExportNumber {
    /// 0.5, 32, 1e-08 → "0.5", "32", "1e-08": Python and YAML read each back as the same double.
    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(v)
    }

    /// A Python/JSON float literal that reads back as exactly `v`.
    static func float(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) + ".0" : String(v)
    }
}
