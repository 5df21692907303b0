import Foundation
import HoneModels
import HoneTrain

/// Finds the data set a command names, with "did you mean" for a near miss.
enum DataReference {
    static func resolve(_ name: String, in context: CommandContext, range: SourceRange?) throws -> DataSetHandle {
        let workspace = context.session.workspace
        if let handle = workspace.dataSet(named: name) { return handle }
        let names = workspace.dataSets.map(\.name)
        var hints = names.isEmpty ? ["no data set is loaded; `load data PATH` loads one"] : ["loaded: " + names.joined(separator: ", ")]
        let suggestion = Suggestions.didYouMean(name, among: names)
        if !suggestion.isEmpty { hints.insert(String(suggestion.dropFirst(2)), at: 0) }
        throw HoneError(.value, "no data set named `\(name)`", at: range ?? context.call.range, hints: hints)
    }

    /// A data set's name from its file: `…/alpaca_en_demo.json` → `alpaca_en_demo`.
    static func defaultName(for path: String) -> String {
        var base = (path as NSString).lastPathComponent
        for ext in ["jsonl", "json"] where base.lowercased().hasSuffix("." + ext) { base = String(base.dropLast(ext.count + 1)) }
        var name = String(base.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        if name.isEmpty || name.first!.isNumber { name = "data_" + name }
        return name
    }

    /// Data set names are words: letters, digits, `_`, `-` and `.` (`stories.train`).
    static func checkName(_ name: String, in context: CommandContext, range: SourceRange?) throws {
        let ok = !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
        if !ok { throw HoneError(.value, "`\(name)` cannot name a data set", at: range ?? context.call.range,
                                 hints: ["use letters, digits, `_`, `-` and `.`, e.g. `stories.clean`"]) }
    }

    @discardableResult
    static func add(_ name: String, _ data: DataSet, in context: CommandContext) -> DataSetHandle {
        let handle = DataSetHandle(name: name, data: data)
        context.session.workspace.add(handle)
        return handle
    }

    /// The current model's tokenizer, or nil when no model (or no tokenizer) is loaded.
    static func tokenizerIfLoaded(in context: CommandContext) -> (any Tokenizer)? {
        context.session.workspace.currentModel?.tokenizer
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
}

/// `load data PATH [format=…] [on_error=fail|skip] [as NAME]`.
public enum LoadDataCommand: Command {
    static let path = Arg<String>.positional("path", .path(extensions: []), help: "a JSON array of records or a JSON Lines file")
    static let format = Arg<String>.option("format", .choice(DataFormat.allCases.map(\.rawValue)),
        help: "the records' shape (default: detected from the first record's keys)")
    static let onError = Arg<String>.option("on_error", .choice(["fail", "skip"]), default: .string("fail"),
        help: "fail: load nothing when a record is bad; skip: load the good records and list the bad")
    static let name = Arg<String>.clause("as", .word, help: "the data set's name (default: the file name without extension)")

    public static let spec = CommandSpec(
        ["load", "data"], summary: "load a data set (alpaca, prompt/completion, messages, text, preference)",
        discussion: """
            Reads a JSON array of objects or JSON Lines (one object per line). The format is \
            detected from the first record's keys: instruction/input/output (alpaca), \
            prompt/completion, messages or ShareGPT conversations, text, or prompt/chosen/rejected \
            (preference); `format=` names it instead. A bad record is reported with its file, line \
            and field; with on_error=fail (the default) nothing is loaded, with on_error=skip the \
            good records are and the bad ones are listed. The data set is kept under its name \
            (commands such as `split`, `stats` and `show data` take it); `let d = load data …` \
            also keeps the handle (`d.count`, `d.format`).
            """,
        category: .data, arguments: [path.spec, format.spec, onError.spec, name.spec],
        examples: [.init("load data ../shared/data/instruct/alpaca_en_demo.json", "999 alpaca records, named `alpaca_en_demo`"),
                   .init("load data ../shared/data/mlx-lora-wikisql/train.jsonl as sql", "JSON Lines of text records, named `sql`"),
                   .init("load data messy.jsonl on_error=skip", "load what can be read, list the rest")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let written = arguments[path]
        let setName = arguments.optional(name) ?? DataReference.defaultName(for: written)
        try DataReference.checkName(setName, in: context, range: arguments.range(of: name))
        let policy = DataErrorPolicy(rawValue: arguments[onError]) ?? .fail
        let loaded: (DataSet, [DataProblem])
        do {
            loaded = try DataLoader.load(path: context.resolve(path: written), format: arguments.optional(format).flatMap(DataFormat.init(named:)), onError: policy)
        } catch let error as DataError {
            var hints: [String] = []
            if policy == .fail, error.problems.count > 0 { hints.append("on_error=skip loads the good records and lists the bad ones") }
            throw HoneError(.value, "`\(written)` not loaded: \(DataReference.plural(error.problems.count, "problem"))" + (error.stoppedEarly ? " (stopped early)" : ""),
                            at: arguments.range(of: path) ?? context.call.range,
                            notes: error.problems.map { HoneError.Note($0.description) }, hints: hints)
        }
        let (data, problems) = loaded
        let handle = DataReference.add(setName, data, in: context)
        var text = "loaded \(setName): \(DataReference.plural(data.count, "record")), format \(data.format.rawValue)"
            + (arguments.contains(format) ? "" : " (detected)")
        if !problems.isEmpty { text += ", skipped \(problems.count)" }
        context.say(text)
        for problem in problems.prefix(10) { context.say("  skipped " + problem.description) }
        if problems.count > 10 { context.say("  … and \(problems.count - 10) more") }
        return .object(handle)
    }
}

/// `datasets`: the data sets the session holds.
public enum DataSetsCommand: Command {
    public static let spec = CommandSpec(
        ["datasets"], summary: "list the loaded data sets: name, records, format, file",
        discussion: "Data sets come from `load data`, `split` and `clean`; each is named in later commands.",
        category: .data, examples: [.init("datasets", "one row per data set")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let sets = context.session.workspace.dataSets
        if sets.isEmpty {
            context.show("no data sets loaded; `load data PATH` loads one")
            return .list([])
        }
        let nameWidth = max(4, sets.map(\.name.count).max()!)
        let countWidth = max(7, sets.map { String($0.data.count).count }.max()!)
        let formatWidth = max(6, sets.map(\.data.format.rawValue.count).max()!)
        var lines = ["name".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + "records".leftPadded(to: countWidth)
                     + "  " + "format".padding(toLength: formatWidth, withPad: " ", startingAt: 0) + "  file"]
        for set in sets {
            lines.append(set.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + String(set.data.count).leftPadded(to: countWidth)
                         + "  " + set.data.format.rawValue.padding(toLength: formatWidth, withPad: " ", startingAt: 0) + "  " + set.data.file)
        }
        context.show(lines.joined(separator: "\n"))
        return .list(sets.map { .object($0) })
    }
}

/// `split NAME val=0.1 [test=0] [seed=N]`.
public enum SplitCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "a loaded data set (see `datasets`)")
    static let validation = Arg<Double>.option("val", .float(0...0.99), default: .float(0.1), help: "the share of records for validation")
    static let test = Arg<Double>.option("test", .float(0...0.99), default: .float(0), help: "the share of records for a test set (0: none)")
    static let seed = Arg<Int>.option("seed", .int(0...Int.max), help: "the shuffle's seed (default: the session's `seed`)")

    public static let spec = CommandSpec(
        ["split"], summary: "split a data set into NAME.train, NAME.val and NAME.test",
        discussion: """
            Records are assigned by a seeded shuffle, so the same seed gives the same split on any \
            machine; each part keeps the file's order and each record its line. A part's size is \
            its share rounded, at least 1 record; train keeps the rest. The parts are added as \
            data sets NAME.train, NAME.val and (with test > 0) NAME.test, replacing earlier ones.
            """,
        category: .data, arguments: [name.spec, validation.spec, test.spec, seed.spec],
        examples: [.init("split alpaca_en_demo val=0.1", "alpaca_en_demo.train (899) and alpaca_en_demo.val (100)"),
                   .init("split sql val=0.1 test=0.1 seed=7", "three parts, shuffled with seed 7")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try DataReference.resolve(arguments[name], in: context, range: arguments.range(of: name))
        var sessionSeed = 0
        if case .int(let s) = context.session.option("seed") { sessionSeed = s }
        let parts: (train: DataSet, validation: DataSet, test: DataSet?)
        do {
            parts = try handle.data.split(validation: arguments[validation], test: arguments[test], seed: UInt64(arguments.optional(seed) ?? sessionSeed))
        } catch let error as DataSplitError {
            throw HoneError(.value, error.message, at: context.call.range)
        }
        var made = [DataReference.add(handle.name + ".train", parts.train, in: context),
                    DataReference.add(handle.name + ".val", parts.validation, in: context)]
        if let t = parts.test { made.append(DataReference.add(handle.name + ".test", t, in: context)) }
        context.say("split \(handle.name) (\(handle.data.count)): " + made.map { "\($0.name) \($0.data.count)" }.joined(separator: ", "))
        return .list(made.map { .object($0) })
    }
}

/// `template [NAME_OR_TEXT]`.
public enum TemplateCommand: Command {
    static let template = Arg<String>.positional("template", .string, required: false,
        help: "alpaca, chatml, llama2, plain, or a text with {instruction}, {input} and {output}")

    public static let spec = CommandSpec(
        ["template"], summary: "choose the prompt template data commands use, or show it",
        discussion: """
            A template turns a record into the prompt (no loss) and the completion (the loss). \
            alpaca is Stanford Alpaca's; chatml uses <|im_start|>role … <|im_end|>; llama2 uses \
            [INST] … [/INST]; plain joins the texts. A custom text puts the prompt before {output} \
            and trains on {output} and whatever follows it. Which template commands use: the \
            current model's own (the one it was trained with) if it has one, else the one chosen \
            here, else alpaca. With no argument, shows the one in use and its layout.
            """,
        category: .data, arguments: [template.spec],
        examples: [.init("template chatml", "ChatML turns"),
                   .init(#"template "Question: {instruction}\nAnswer: {output}""#, "a custom layout"),
                   .init("template", "show the template in use")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let workspace = context.session.workspace
        if let text = arguments.optional(template) {
            do {
                workspace.template = try PromptTemplate.named(text)
            } catch let error as PromptTemplateError {
                let words = ["alpaca", "chatml", "llama2", "plain"]
                let suggestion = Suggestions.didYouMean(text, among: words)
                throw HoneError(.value, error.message, at: arguments.range(of: template),
                                hints: suggestion.isEmpty ? [] : [String(suggestion.dropFirst(2))])
            }
        }
        let choice = TemplateChoice.current(in: workspace)
        if arguments.contains(template) {
            context.say("template: " + TemplateChoice.describe(choice))
            if case .model = choice.source { context.say("  the current model's own template wins for data commands while it is current") }
        } else {
            context.show("template: " + TemplateChoice.describe(choice) + "\n" + choice.template.layout)
        }
        return .string(choice.template.name)
    }
}
