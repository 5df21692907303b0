import Foundation
import HoneModels
import HoneTensor
import HonePEFT
import HoneTrain

/// `show memory [DATA] …`: what a `train` with these settings would need, before it starts.
public enum ShowMemoryCommand: Command {
    typealias A = TrainingArguments

    public static let spec = CommandSpec(
        ["show", "memory"], summary: "estimate the memory a `train` with these settings needs",
        discussion: """
            Takes train's settings (batch=, seq=, method=, optimizer=, checkpointing=, patience=) \
            and the data (its longest example bounds seq) and shows the estimate by part: weights \
            (quantised ones at their packed size), gradients with the optimizer's buffers and \
            snapshots, and activations, which grow with batch × seq and dominate small models. \
            `train` refuses a run whose estimate exceeds the free memory. Returns the estimate in bytes.
            """,
        category: .training,
        arguments: [A.data.spec, A.batch.spec, A.seq.spec, A.method.spec, A.optimizer.spec, A.checkpointing.spec, A.patience.spec, PrecisionChoice.argument.spec, A.model.spec],
        examples: [.init("show memory batch=8 seq=512", "for the current model and adapter"),
                   .init("show memory method=full checkpointing", "full fine-tuning, recomputing activations")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(A.model), in: context, range: arguments.range(of: A.model))
        var settings = try A.settings(arguments, in: context)
        var sequence = min(settings.sequenceLength, handle.model.contextLength)
        if let name = arguments.optional(A.data), let tokenizer = handle.tokenizer {
            let data = try DataReference.resolve(name, in: context, range: arguments.range(of: A.data))
            let examples = SFTExamples(data.data, template: TrainingRunner.template(for: handle, in: context), tokenizer: tokenizer, maxLength: sequence)
            sequence = examples.examples.map(\.ids.count).max() ?? sequence
        }
        settings.sequenceLength = sequence
        let trainable: Int
        switch settings.method {
        case .full: trainable = handle.model.parameterCount
        case .adapter: trainable = (handle.model.linearHook as? AdapterSet)?.trainableParameters.reduce(0) { $0 + $1.count } ?? 0
        }
        let memory = TrainingMemory(model: handle.model, trainable: trainable, settings: settings, sequenceLength: sequence)
        var rows = memory.parts.map { ["  " + $0.name, ModelHandle.bytes($0.bytes)] }
        rows.append(["  total", ModelHandle.bytes(memory.total)])
        context.show("training \(settings.method == .full ? "every weight" : "the active adapter") of \(handle.name) "
                     + "(\(ModelHandle.count(trainable)) trainable), batch \(settings.batchSize) × \(sequence) tokens:")
        context.showTable(header: ["", "estimate"], rows: rows)
        let precision = settings.precision ?? .fp32
        // By storage, so a tied embedding's copy counts once.
        let copies = handle.model.weights.values.reduce(into: [ObjectIdentifier: Int]()) { $0[ObjectIdentifier($1.storage)] = $1.storage.bfloat16CopyBytes }
            .filter { $0.value > 0 }
        context.show("  precision \(precision): \(precision.pathDescription)"
                     + (copies.isEmpty ? "" : "; bf16 copies of \(copies.count) weights held now: \(ModelHandle.bytes(copies.values.reduce(0, +)))"))
        if trainable == 0 && settings.method == .adapter { context.show("  (no active adapter: `lora …` adds one, or method=full)") }
        if let available = TrainingMemory.available() {
            let fits = memory.additional <= available
            context.show("  free now: \(ModelHandle.bytes(available)), for \(ModelHandle.bytes(memory.additional)) beside the loaded weights; " + (fits ? "the run fits" : "the run would be refused: lower batch= or seq=, add checkpointing, or use an adapter"),
                         .volatile)  // the machine's free memory: notebooks leave it out of their outputs
        }
        return .int(memory.total)
    }
}
