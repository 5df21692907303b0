import Foundation
import HoneModels
import HoneTrain

/// `tokenizer train DATA vocab=N [file=PATH] [context=N]`: learns a byte-level BPE vocabulary
/// for pretraining a model from scratch (`new model llama tokenizer=PATH`).
public enum TokenizerTrainCommand: Command {
    static let data = Arg<String>.positional("data", .path(extensions: []),
        help: "a loaded data set's name, or a .txt, .json or .jsonl file")
    static let vocab = Arg<Int>.option("vocab", .int(259...1_000_000), required: true,
        help: "the vocabulary size: 3 special tokens (<s>, </s>, <pad>), 256 bytes, and merges for the rest")
    static let file = Arg<String>.option("file", .path(extensions: []), default: .string("tokenizer"),
        help: "the directory to write tokenizer.json, tokenizer_config.json and special_tokens_map.json into")
    static let context = Arg<Int>.option("context", .int(1...10_000_000), default: .int(512),
        help: "model_max_length in tokenizer_config.json: the context the model will have")

    public static let spec = CommandSpec(
        ["tokenizer", "train"], summary: "train a byte-level BPE tokenizer (GPT-2 style) on text",
        discussion: """
            Text is split with GPT-2's rule, each piece's bytes are symbols, and the most frequent \
            adjacent pair is merged until the vocabulary has `vocab` entries; equal counts go to the \
            pair whose bytes sort first, so the result is the same on every machine. Ids 0, 1, 2 are \
            <s> (BOS, added to every text), </s> (EOS) and <pad>; then the 256 bytes, then the merges. \
            Every record of a data set counts (its text; instruction, input and output; prompt and \
            completion; every message). The files are what Hugging Face `tokenizers` and \
            `load model` read; `new model llama tokenizer=PATH` builds a model on them. Prints the \
            vocabulary, the merges and the compression: bytes of training text per token.
            """,
        category: .models, arguments: [data.spec, vocab.spec, file.spec, context.spec],
        examples: [.init("tokenizer train stories vocab=2048 file=out/tok", "the loaded data set `stories`"),
                   .init("tokenizer train ../shared/data/tinystories.txt vocab=4096", "a text file; saved to ./tokenizer")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let start = ContinuousClock.now
        let source = arguments[data]
        var counter = WordCounter()
        if let handle = context.session.workspace.dataSet(named: source) {
            for record in handle.data.records { for text in texts(of: record) { counter.add(text) } }
        } else {
            try countFile(context.resolve(path: source), into: &counter, arguments: arguments, context: context)
        }
        try context.checkInterrupt()
        let result: ByteLevelBPETrainer.Result
        do {
            result = try ByteLevelBPETrainer.train(words: counter, vocabularySize: arguments[vocab])
        } catch let error as ByteLevelBPETrainer.TrainingError {
            throw HoneError(.value, error.message, at: arguments.range(of: vocab) ?? context.call.range)
        }
        let directory = context.resolve(path: arguments[file])
        do {
            try result.tokenizer.save(directory: directory, modelMaxLength: arguments[self.context])
        } catch {
            throw HoneError(.io, "cannot write the tokenizer to `\(directory)`", at: arguments.range(of: file) ?? context.call.range,
                            cause: "\(error)")
        }
        let seconds = (ContinuousClock.now - start).secondsValue
        let tokenizer = result.tokenizer
        context.say("trained tokenizer: vocab \(tokenizer.vocabularySize) (3 special, 256 bytes, \(tokenizer.merges.count) merges) "
                    + "on \(ModelHandle.bytes(result.bytes)) of text, \(result.wordTypes) distinct words")
        context.say(String(format: "compression: %.2f bytes/token (%d tokens)", result.bytesPerToken, result.tokens))
        if result.stoppedEarly {
            context.say("  the text ran out of pairs to merge before vocab=\(arguments[vocab]); more text gives the rest")
        }
        context.say("saved to \(directory)")
        context.say(String(format: "time: %.2f s", seconds), .volatile)
        return .record(Record("tokenizer", [
            ("path", .string(directory)), ("vocab_size", .int(tokenizer.vocabularySize)), ("merges", .int(tokenizer.merges.count)),
            ("bytes", .int(result.bytes)), ("tokens", .int(result.tokens)), ("bytes_per_token", .float(result.bytesPerToken)),
            ("seconds", .float(seconds)),
        ]))
    }

    /// The text a record contributes: every string a model would read in it.
    static func texts(of record: DataRecord) -> [String] {
        switch record {
        case .text(let text): [text]
        case .instruction(let instruction, let input, let output): [instruction, input, output].filter { !$0.isEmpty }
        case .promptCompletion(let prompt, let completion): [prompt + completion]
        case .chat(let messages): messages.map(\.content)
        case .preference(let prompt, let chosen, let rejected, let history): history.map(\.content) + [prompt, chosen, rejected].filter { !$0.isEmpty }
        }
    }

    /// A .json/.jsonl file is read as records; anything else as plain text, a line at a time so
    /// that a large file is never held twice.
    static func countFile(_ path: String, into counter: inout WordCounter, arguments: BoundArguments, context: CommandContext) throws {
        let range = arguments.range(of: data) ?? context.call.range
        guard FileManager.default.fileExists(atPath: path) else {
            var hints = ["give a .txt or .jsonl file, or the name of a data set from `load data`"]
            let names = context.session.workspace.dataSets.map(\.name)
            if !names.isEmpty { hints.append("loaded data sets: " + names.joined(separator: ", ")) }
            throw HoneError(.value, "`\(arguments[data])` is neither a loaded data set nor a file", at: range, hints: hints)
        }
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".json") {
            do {
                let (set, _) = try DataLoader.load(path: path, format: nil, onError: .fail)
                for record in set.records { for text in texts(of: record) { counter.add(text) } }
            } catch let error as DataError {
                throw HoneError(.value, "`\(arguments[data])` cannot be read as records", at: range,
                                notes: error.problems.map { HoneError.Note($0.description) },
                                hints: ["`load data PATH on_error=skip` then `tokenizer train NAME …` trains on the good records"])
            }
            return
        }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw HoneError(.io, "cannot read `\(arguments[data])`", at: range)
        }
        var lineStart = 0
        bytes.withUnsafeBytes { raw in
            for index in raw.indices where raw[index] == 0x0A {
                counter.add(String(decoding: raw[lineStart...index], as: UTF8.self))
                lineStart = index + 1
            }
            if lineStart < raw.count { counter.add(String(decoding: raw[lineStart...], as: UTF8.self)) }
        }
    }
}
