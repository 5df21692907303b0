import Foundation
import HoneModels
import HonePEFT
import HoneTrain

/// `compare A B … on DATA`: base, adapters, models and runs side by side on one data set.
public enum CompareCommand: Command {
    static let items = Arg<[String]>.positional("item", .list(.word), variadic: true,
        help: "`base`, adapter names, model names or run names")
    static let data = Arg<String>.clause("on", .word, help: "the data set to score them on")
    static let metrics = Arg<[String]>.option("metrics", .list(.choice(EvaluationSpec.metricNames)),
        help: "as for `eval` (default: loss,accuracy)")
    static let n = Arg<Int>.option("n", .int(1...1_000_000), default: .int(20), help: "examples to generate from for generation metrics")
    static let maxTokens = Arg<Int>.option("max_tokens", .int(1...100_000), default: .int(64), help: "the most new tokens per generated answer")

    public static let spec = CommandSpec(
        ["compare"], summary: "score base, adapters, models and runs side by side on one data set",
        discussion: """
            Each item is scored as `eval` scores a model: `base` is the current model with its \
            adapters disabled; an adapter name makes that adapter of the current model active for \
            its row; a model name uses that model as it is; a run name uses the model the run \
            trained with the run's adapter active. Everything is put back as it was afterwards. \
            Returns a list of records, one per item.
            """,
        category: .training, arguments: [items.spec, metrics.spec, n.spec, maxTokens.spec, data.spec, PrecisionChoice.argument.spec],
        examples: [.init("compare base default on stories.val", "the base model against the adapter `default`"),
                   .init("compare run-1 run-2 on stories.test metrics=all", "two runs, with generation metrics")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let names = arguments.optional(items) ?? []
        guard !names.isEmpty else {
            throw HoneError(.value, "nothing to compare", at: context.call.range, hints: ["e.g. `compare base default on stories.val`"])
        }
        let dataName = arguments.optional(data)
        let dataSet = try EvaluationSpec.defaultData(dataName, in: context, range: arguments.range(of: data))
        var wanted = Set(arguments.optional(metrics) ?? ["loss", "accuracy"])
        if wanted.contains("all") { wanted = Set(EvaluationSpec.metricNames).subtracting(["all"]) }
        let generation = !wanted.isDisjoint(with: ["exact_match", "contains", "rouge_l"])
        var rows: [[String]] = []
        var results: [Value] = []
        for name in names {
            let (handle, setUp) = try resolve(name, in: context, range: arguments.range(of: items))
            let restore = try setUp()
            defer { restore() }
            let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
            let spec = EvaluationSpec(handle: handle, tokenizer: tokenizer, template: TrainingRunner.template(for: handle, in: context),
                                      sequenceLength: handle.model.contextLength, batchSize: 8, context: context)
            let m: LossMetrics
            if name == "base", handle.trained, (handle.model.linearHook as? AdapterSet)?.active == nil {
                guard let recorded = handle.baseMetrics[spec.key(dataSet)] else {
                    throw HoneError(.value, "the base of \(handle.name) was changed by full fine-tuning before it was scored on \(dataSet.name)",
                                    at: context.call.range, hints: ["load the model again under another name and compare that"])
                }
                m = recorded
            } else {
                m = try spec.loss(on: dataSet)
            }
            var row = EvaluationSpec.row(name, m, wanted)
            var fields: [(String, Value)] = [("name", .string(name)), ("loss", .float(m.loss)), ("perplexity", .float(m.perplexity)),
                                             ("accuracy", .float(m.tokenAccuracy))]
            if generation {
                let g = try spec.generation(on: dataSet, count: arguments[n], maxTokens: arguments[maxTokens])
                row += [String(format: "%.1f%%", 100 * g.exactMatch), String(format: "%.1f%%", 100 * g.contains), String(format: "%.3f", g.rougeL)]
                fields += [("exact_match", .float(g.exactMatch)), ("contains", .float(g.contains)), ("rouge_l", .float(g.rougeL))]
            }
            rows.append(row)
            results.append(.record(Record("comparison", fields)))
        }
        context.say("compared on \(dataSet.name) (\(dataSet.data.count) records):")
        context.showTable(header: EvaluationSpec.header(wanted) + (generation ? ["exact", "contains", "ROUGE-L"] : []), rows: rows)
        return .list(results)
    }

    /// The model an item names and how to set it up for its row (returning how to undo that).
    static func resolve(_ name: String, in context: CommandContext, range: SourceRange?) throws -> (ModelHandle, () throws -> () -> Void) {
        let workspace = context.session.workspace
        if let run = workspace.run(named: name), let handle = workspace.model(named: run.modelName) {
            return (handle, { try activate(run.configuration.adapter?.name, on: handle, context: context) })
        }
        if let handle = workspace.model(named: name) { return (handle, { {} }) }
        let current = try ModelReference.resolve(nil, in: context, range: range)
        let set = current.model.linearHook as? AdapterSet
        if name == "base" {
            return (current, {
                guard let set else { return {} }
                let was = set.isEnabled
                set.isEnabled = false
                return { set.isEnabled = was }
            })
        }
        if set?.adapter(named: name) != nil { return (current, { try activate(name, on: current, context: context) }) }
        let known = ["base"] + (set?.adapters.map(\.name) ?? []) + workspace.models.map(\.name) + workspace.runs.map(\.name)
        var hints = ["compare takes `base`, adapters (\(set?.adapters.map(\.name).joined(separator: ", ") ?? "none")), models and runs"]
        let suggestion = Suggestions.didYouMean(name, among: known)
        if !suggestion.isEmpty { hints.insert(suggestion, at: 0) }
        throw HoneError(.value, "nothing named `\(name)` to compare", at: range ?? context.call.range, hints: hints)
    }

    /// Makes adapter `name` the active, enabled one; returns how to put the previous state back.
    static func activate(_ name: String?, on handle: ModelHandle, context: CommandContext) throws -> () -> Void {
        guard let name, let set = handle.model.linearHook as? AdapterSet else { return {} }
        let (previous, wasEnabled) = (set.activeName, set.isEnabled)
        do { try set.use(name) } catch let error as AdapterError { throw AdapterReference.error(error, context) }
        set.isEnabled = true
        return {
            if let previous { try? set.use(previous) }
            set.isEnabled = wasEnabled
        }
    }
}
