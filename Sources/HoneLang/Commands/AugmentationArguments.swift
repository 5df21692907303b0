import Foundation
import HoneTrain

/// The arguments `generate` and `eval` share to augment a prompt with retrieved passages and
/// worked examples, declared once so both read them the same way.
enum AugmentationArguments {
    static let rag = Arg<String>.option("rag", .word, help: "an index (`rag index`) to retrieve passages from for the prompt")
    static let k = Arg<Int>.option("k", .int(1...100), default: .int(3), help: "how many passages rag= retrieves")
    static let ragTemplate = Arg<String>.option("rag_template", .string,
        help: "where the passages go: a text with {context} and {question} (default: \"Use these facts:\\n{context}\\n\\nQuestion: {question}\\nAnswer:\")")
    static let shots = Arg<String>.option("shots", .word, help: "a data set whose first records are shown as worked examples before the question")
    static let nShots = Arg<Int>.option("n_shots", .int(1...100), default: .int(3), help: "how many worked examples shots= shows")

    static var specs: [ArgumentSpec] { [rag.spec, k.spec, ragTemplate.spec, shots.spec, nShots.spec] }

    /// The augmenter the arguments ask for; nil when they ask for none.
    static func augmenter(_ arguments: BoundArguments, in context: CommandContext) throws -> (PromptAugmenter, RetrievalIndexHandle?)? {
        guard arguments.contains(rag) || arguments.contains(shots) else {
            if arguments.contains(ragTemplate) {
                throw HoneError(.value, "rag_template= needs rag=", at: arguments.range(of: ragTemplate), hints: ["name an index: rag=NAME"])
            }
            return nil
        }
        var augmenter = PromptAugmenter()
        var handle: RetrievalIndexHandle?
        if let name = arguments.optional(rag) {
            let found = try IndexReference.resolve(name, in: context, range: arguments.range(of: rag))
            augmenter.retrieval = (found.index, arguments[k])
            handle = found
        }
        if let text = arguments.optional(ragTemplate) {
            do {
                augmenter.template = try RetrievalTemplate(text)
            } catch {
                throw HoneError(.value, error.description, at: arguments.range(of: ragTemplate))
            }
        }
        if let name = arguments.optional(shots) {
            let data = try DataReference.resolve(name, in: context, range: arguments.range(of: shots))
            guard data.data.records.contains(where: { $0.question != nil && $0.answer != nil }) else {
                throw HoneError(.value, "`\(name)` has no record with a question and an answer to show as an example",
                                at: arguments.range(of: shots), hints: ["shots need instruction/output, prompt/completion or chat records"])
            }
            augmenter.shots = (data.data.records, arguments[nShots])
        }
        return (augmenter, handle)
    }

    /// One line naming what augments the prompts, e.g. "rag=facts k=3, shots=train n_shots=3".
    static func describe(_ arguments: BoundArguments) -> String {
        var parts: [String] = []
        if let name = arguments.optional(rag) { parts.append("rag=\(name) k=\(arguments[k])") }
        if let name = arguments.optional(shots) { parts.append("shots=\(name) n_shots=\(arguments[nShots])") }
        return parts.joined(separator: ", ")
    }
}
