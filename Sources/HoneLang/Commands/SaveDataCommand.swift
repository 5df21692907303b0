import Foundation
import HoneModels
import HoneTrain

/// `save data NAME FILE`.
public enum SaveDataCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "a loaded data set (see `datasets`)")
    static let file = Arg<String>.positional("file", .path(extensions: ["jsonl"]), help: "the JSONL file to write")

    public static let spec = CommandSpec(
        ["save", "data"], summary: "write a data set as JSON Lines in its own format",
        discussion: """
            One record a line, in the field names `load data` reads for the set's format \
            (alpaca, prompt_completion, messages, text, preference), so loading the file gives \
            the same records back. The file is written atomically: a failed write leaves the \
            old file. Useful for labels made with `chat`, splits and cleaned sets.
            """,
        category: .data, arguments: [name.spec, file.spec],
        examples: [.init("save data labels.dpo pairs.jsonl", "the preference pairs labelled in chat")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try DataReference.resolve(arguments[name], in: context, range: arguments.range(of: name))
        let path = context.resolve(path: arguments[file])
        do {
            try AtomicFile.write(Array(handle.data.jsonLines().utf8), to: path)
        } catch {
            throw HoneError(.io, "could not write \(path): \(error)", at: arguments.range(of: file))
        }
        context.say("wrote \(handle.name) to \(path): \(DataReference.plural(handle.data.count, "\(handle.data.format.rawValue) record"))")
        return .string(path)
    }
}
