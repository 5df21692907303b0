import Foundation
import HoneModels
import HonePEFT
import HoneTrain

/// `eval [DATA] …`: loss, perplexity and token accuracy on the completions, optional
/// generation metrics, the gain over the base model, and the forgetting check.
public enum EvalCommand: Command {
    static let data = Arg<String>.positional("data", .word, required: false,
        help: "the data set (default: the last run's validation data, else the newest .val or .test set)")
    static let metrics = Arg<[String]>.option("metrics", .list(.choice(EvaluationSpec.metricNames)),
        help: "loss (with perplexity), accuracy, exact_match, contains, rouge_l, or all (default: loss,accuracy)")
    static let n = Arg<Int>.option("n", .int(1...1_000_000), default: .int(20), help: "examples to generate from for exact_match, contains and rouge_l")
    static let maxTokens = Arg<Int>.option("max_tokens", .int(1...100_000), default: .int(64), help: "the most new tokens per generated answer")
    static let template = Arg<String>.option("template", .string,
        help: "the template (default: the model's own; `none` scores the raw text)")
    static let seq = Arg<Int>.option("seq", .int(8...1_000_000), help: "truncate examples to this many tokens (default: the model's context)")
    static let batch = Arg<Int>.option("batch", .int(1...4096), default: .int(8), help: "examples per forward pass")
    static let model = Arg<String>.option("model", .word, help: "the model to evaluate (default: the current model)")

    public static let spec = CommandSpec(
        ["eval"], summary: "measure loss, perplexity and accuracy on held-out data",
        discussion: """
            Scores the completions (as training does: the prompt is context, the answer and its \
            EOS are scored) with the model's template. Beside the model as it is, the base model \
            is shown (adapters disabled, or the loss recorded before full fine-tuning), so the \
            task gain is visible. metrics=exact_match,contains,rouge_l also generates greedy \
            answers for the first n examples and compares them with the expected outputs. With \
            `set general=DATA` (plain text the model knew before), every eval after training \
            also reports the drift in that text's perplexity against the base: catastrophic \
            forgetting shows up there first. With `rag=NAME` and/or `shots=DATA` each generated \
            answer's question is first augmented as `generate` does (retrieved passages, worked \
            examples, never the record itself), for the loss and accuracy as for the generated \
            answers; these also imply the generation metrics. Returns a record of the numbers.
            """,
        category: .training,
        arguments: [data.spec, metrics.spec, n.spec, maxTokens.spec, template.spec, seq.spec, batch.spec, PrecisionChoice.argument.spec, model.spec]
            + AugmentationArguments.specs,
        examples: [.init("eval stories.val", "loss, perplexity and accuracy, against the base model"),
                   .init("eval wikisql.test metrics=all n=10", "also exact match, contains and ROUGE-L on 10 generated answers"),
                   .init("set general=tinystories\neval", "adds the forgetting check"),
                   .init("eval wikisql.test rag=facts k=3 n=10", "exact match, contains and ROUGE-L with 3 retrieved passages per question"),
                   .init("eval wikisql.test shots=wikisql.train n_shots=3 n=10", "the same with 3 worked examples per question")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(model), in: context, range: arguments.range(of: model))
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        let dataSet = try EvaluationSpec.defaultData(arguments.optional(data), in: context, range: arguments.range(of: data))
        let chosenTemplate = try EvaluationSpec.template(arguments.optional(template), for: handle, in: context, range: arguments.range(of: template))
        var wanted = Set(arguments.optional(metrics) ?? ["loss", "accuracy"])
        if wanted.contains("all") { wanted = Set(EvaluationSpec.metricNames).subtracting(["all"]) }
        let augmentation = try AugmentationArguments.augmenter(arguments, in: context)?.0
        if augmentation != nil && !arguments.contains(metrics) { wanted.formUnion(["exact_match", "contains", "rouge_l"]) }
        let seqLength = min(arguments.optional(seq) ?? handle.model.contextLength, handle.model.contextLength)
        let evaluator = EvaluationSpec(handle: handle, tokenizer: tokenizer, template: chosenTemplate, sequenceLength: seqLength,
                                       batchSize: arguments[batch], context: context)

        // With retrieval or worked examples the model is scored as it will be used: every
        // record's question augmented, for the loss as for the generated answers.
        let scored = augmentation.map { a in
            DataSetHandle(name: dataSet.name + " (" + AugmentationArguments.describe(arguments) + ")",
                          data: DataSet(file: dataSet.data.file, format: dataSet.data.format,
                                        records: dataSet.data.records.map { r in r.replacingQuestion { a.apply(to: $0, record: r).text } },
                                        lines: dataSet.data.lines))
        } ?? dataSet
        let now = try evaluator.loss(on: scored)
        let base = try evaluator.baseLoss(on: scored)
        var fields: [(String, Value)] = [("loss", .float(now.loss)), ("perplexity", .float(now.perplexity)),
                                         ("accuracy", .float(now.tokenAccuracy)), ("tokens", .int(now.targetTokens))]
        context.say("eval \(dataSet.name) on \(handle.name): \(now.examples) examples, \(now.targetTokens) target tokens, template \(TrainingRunner.describe(chosenTemplate))")
        var rows: [[String]] = []
        if let base { rows.append(EvaluationSpec.row("base", base, wanted)) }
        rows.append(EvaluationSpec.row(base == nil ? handle.name : "now", now, wanted))
        context.showTable(header: EvaluationSpec.header(wanted), rows: rows.map { ["  " + $0[0]] + $0.dropFirst() })
        if let base {
            let gain = now.loss - base.loss
            context.show(String(format: "  task gain: %+.4f loss (perplexity %.2f → %.2f)", gain, base.perplexity, now.perplexity))
            fields.append(("base_loss", .float(base.loss)))
        }
        if !wanted.isDisjoint(with: ["exact_match", "contains", "rouge_l"]) {
            let g = try evaluator.generation(on: dataSet, count: arguments[n], maxTokens: arguments[maxTokens], augmenter: augmentation)
            if augmentation != nil { context.say("  questions augmented: " + AugmentationArguments.describe(arguments)) }
            context.show(String(format: "  generation on %d examples: exact match %.1f%%, contains %.1f%%, ROUGE-L %.3f",
                                g.examples, 100 * g.exactMatch, 100 * g.contains, g.rougeL))
            for p in g.predictions.prefix(2) { context.detail("    \(p.prompt.debugDescription) → \(p.prediction.debugDescription) (expected \(p.reference.debugDescription))") }
            fields += [("exact_match", .float(g.exactMatch)), ("contains", .float(g.contains)), ("rouge_l", .float(g.rougeL))]
        }
        if case .string(let generalName) = context.session.option("general"), !generalName.isEmpty, handle.trained {
            let general = try DataReference.resolve(generalName, in: context, range: nil)
            let plain = EvaluationSpec(handle: handle, tokenizer: tokenizer, template: .plain, sequenceLength: seqLength,
                                       batchSize: arguments[batch], context: context, scoreAll: true)
            let generalNow = try plain.loss(on: general)
            if let generalBase = try plain.baseLoss(on: general) {
                let drift = generalNow.perplexity / generalBase.perplexity - 1
                context.show(String(format: "  general text (%@): perplexity %.2f (base) → %.2f (%+.1f%%)%@", general.name,
                                    generalBase.perplexity, generalNow.perplexity, 100 * drift,
                                    drift > 0.05 ? ": the model is forgetting; fewer steps, a lower lr, a smaller rank or mixing in general data helps" : ""))
                fields += [("general_perplexity", .float(generalNow.perplexity)), ("general_base_perplexity", .float(generalBase.perplexity))]
            } else {
                context.show(String(format: "  general text (%@): perplexity %.2f; the base's is unknown (full fine-tuning changed it before it was measured)",
                                    general.name, generalNow.perplexity))
            }
        }
        if dataSet.data.format == .preference {
            // The numbers TRL's DPOTrainer logs as logps/chosen and logps/rejected: the mean over
            // pairs of each answer's summed log-probability (its tokens and EOS).
            let pairs = PreferencePair.tokenize(dataSet.data, template: chosenTemplate, tokenizer: tokenizer, maxLength: seqLength).pairs
            if !pairs.isEmpty {
                let logps = PreferenceObjective.logProbs(pairs, model: handle.model, padID: tokenizer.specialTokens.pad?.id ?? 0, batchSize: arguments[batch])
                let chosen = logps.chosen.reduce(0) { $0 + Double($1) } / Double(pairs.count)
                let rejected = logps.rejected.reduce(0) { $0 + Double($1) } / Double(pairs.count)
                let ahead = zip(logps.chosen, logps.rejected).filter { $0 > $1 }.count
                context.show(String(format: "  pairs: %d, mean log-prob chosen %.4f, rejected %.4f; chosen ahead in %d", pairs.count, chosen, rejected, ahead))
                fields += [("logps_chosen", .float(chosen)), ("logps_rejected", .float(rejected)), ("pairs", .int(pairs.count))]
            }
        }
        return .record(Record("eval", fields))
    }
}

/// How `eval` and `compare` score a model on a data set.
struct EvaluationSpec {
    static let metricNames = ["loss", "accuracy", "exact_match", "contains", "rouge_l", "all"]
    let handle: ModelHandle
    let tokenizer: any Tokenizer
    let template: PromptTemplate
    let sequenceLength: Int
    let batchSize: Int
    let context: CommandContext
    var scoreAll = false

    func examples(_ data: DataSetHandle) throws -> [(ids: [Int], labels: [Int])] {
        let examples = SFTExamples(data.data, template: template, tokenizer: tokenizer, maxLength: sequenceLength, trainOnAll: scoreAll)
            .examples.filter { $0.labels.dropFirst().contains { $0 != SFTExample.ignoreLabel } }
        guard !examples.isEmpty else {
            throw HoneError(.value, "\(data.name) has no example with a completion token to score", at: context.call.range)
        }
        return examples
    }

    func loss(on data: DataSetHandle) throws -> LossMetrics {
        do {
            return try LossEvaluation.evaluate(model: handle.model, examples: try examples(data), batchSize: batchSize,
                                               padID: tokenizer.specialTokens.pad?.id ?? 0,
                                               isCancelled: { context.session.interrupt.isRaised })
        } catch let error as EvaluationError {
            throw Self.error(error, context)
        }
    }

    /// The base model's loss: with the adapter disabled for a moment, else the one recorded
    /// before training; nil when neither exists (the model was never trained: it is the base).
    func baseLoss(on data: DataSetHandle) throws -> LossMetrics? {
        if let set = handle.model.linearHook as? AdapterSet, set.isEnabled, set.merged == nil, set.active != nil {
            set.isEnabled = false
            defer { set.isEnabled = true }
            return try loss(on: data)
        }
        if let recorded = handle.baseMetrics[key(data)] { return recorded }
        if !handle.trained { handle.baseMetrics[key(data)] = try loss(on: data) }
        return nil
    }

    func key(_ data: DataSetHandle) -> String { data.name + "|" + TrainingRunner.describe(template) + (scoreAll ? "|all" : "") }

    /// Greedy answers to the first `count` records, each question first augmented by
    /// `augmenter` (retrieval, worked examples) when one is given.
    func generation(on data: DataSetHandle, count: Int, maxTokens: Int, augmenter: PromptAugmenter? = nil) throws -> GenerationMetrics {
        let items = data.data.records.prefix(count).map { original in
            let record = augmenter.map { a in original.replacingQuestion { a.apply(to: $0, record: original).text } } ?? original
            let (prompt, completion) = template.render(record)
            return (prompt: prompt, reference: completion.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        do {
            return try GenerationEvaluation.evaluate(model: handle.model, tokenizer: tokenizer, items: items, maxNewTokens: maxTokens,
                                                     isCancelled: { context.session.interrupt.isRaised })
        } catch let error as EvaluationError {
            throw Self.error(error, context)
        }
    }

    /// An interrupted evaluation lowers the Ctrl-C flag and says so as an interruption.
    static func error(_ error: EvaluationError, _ context: CommandContext) -> HoneError {
        if case .interrupted = error {
            _ = context.session.interrupt.consume()
            return HoneError(.interrupted, "interrupted; the session is kept", at: context.call.range)
        }
        return HoneError(.value, error.description, at: context.call.range)
    }

    static func header(_ wanted: Set<String>) -> [String] {
        ["", "loss", "perplexity"] + (wanted.contains("accuracy") ? ["accuracy"] : [])
    }

    static func row(_ name: String, _ m: LossMetrics, _ wanted: Set<String>) -> [String] {
        [name, String(format: "%.4f", m.loss), String(format: "%.2f", m.perplexity)]
            + (wanted.contains("accuracy") ? [String(format: "%.1f%%", 100 * m.tokenAccuracy)] : [])
    }

    static func template(_ written: String?, for handle: ModelHandle, in context: CommandContext, range: SourceRange?) throws -> PromptTemplate {
        guard let written else { return TrainingRunner.template(for: handle, in: context) }
        return try InferenceTemplate.resolve(written, for: handle, range: range, in: context) ?? .plain
    }

    /// The named data set, or the last run's validation set, or the newest .val/.test set.
    static func defaultData(_ name: String?, in context: CommandContext, range: SourceRange?) throws -> DataSetHandle {
        if let name { return try DataReference.resolve(name, in: context, range: range) }
        let workspace = context.session.workspace
        if let v = workspace.runs.last?.configuration.validation?.name, let found = workspace.dataSet(named: v) { return found }
        if let held = workspace.dataSets.last(where: { $0.name.hasSuffix(".val") || $0.name.hasSuffix(".test") }) { return held }
        throw HoneError(.value, "no held-out data to evaluate on", at: context.call.range,
                        hints: ["name one: `eval NAME`", "`split NAME val=0.1` holds some out of a data set"])
    }
}
