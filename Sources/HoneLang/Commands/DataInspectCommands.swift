import Foundation
import HoneModels
import HoneTrain

/// `stats NAME [seq=512]`.
public enum StatsCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "a loaded data set (see `datasets`)")
    static let seq = Arg<Int>.option("seq", .int(1...1_000_000), default: .int(512), help: "the sequence length training will cut examples to")
    static let near = Arg<Double>.option("near", .float(0.05...1), default: .float(0.8), help: "the word 3-gram Jaccard at which records count as near duplicates")

    public static let spec = CommandSpec(
        ["stats"], summary: "lengths, empty fields, duplicates and truncation of a data set",
        discussion: """
            Lengths are in tokens of the current model's tokenizer (in characters when no model is \
            loaded), per field and after templating with BOS and EOS, each as min, median, mean, \
            p95 and max with a small histogram over 0…max. It counts empty fields, exact duplicates \
            (equal after whitespace is normalised) and near duplicates (word 3-gram Jaccard ≥ near), \
            and how many examples seq= will truncate or leave with no answer token at all. The \
            template is the current model's own, else the session's (`template`), else alpaca. \
            Returns a record of the main figures.
            """,
        category: .data, arguments: [name.spec, seq.spec, near.spec],
        examples: [.init("stats alpaca_en_demo", "at seq=512"),
                   .init("stats alpaca_en_demo.train seq=256", "how much seq=256 would cut")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try DataReference.resolve(arguments[name], in: context, range: arguments.range(of: name))
        let choice = TemplateChoice.current(in: context.session.workspace)
        let tokenizer = DataReference.tokenizerIfLoaded(in: context)
        let stats = DataStats(handle.data, template: choice.template, tokenizer: tokenizer, maxLength: arguments[seq], nearThreshold: arguments[near])
        let template = "template: " + TemplateChoice.describe(choice)
        let table = stats.lengthTable
        let html = "<p>data " + HTML.escaped(handle.name) + ": " + HTML.escaped(stats.reportTitle) + "</p>"
            + HTML.table(header: table.header, rows: table.rows) + (stats.lengthNote.map { "<p>" + HTML.escaped($0) + "</p>" } ?? "")
            + "<pre>" + HTML.escaped((stats.reportFindings + [template]).joined(separator: "\n").trimmingCharacters(in: .newlines)) + "</pre>"
        context.show(Display(text: "data \(handle.name): " + stats.report + "\n" + template, html: html))
        var fields: [(String, Value)] = [("count", .int(stats.count)), ("unit", .string(stats.unit)),
                                         ("exact_duplicates", .int(stats.exactDuplicates.count)),
                                         ("near_duplicates", .int(stats.nearDuplicates.count)),
                                         ("empty", .int(Set(stats.fields.flatMap { $0.name == "input" ? [] : $0.emptyLines }).count))]
        if let templated = stats.templatedLengths {
            let s = LengthSummary(templated)
            fields += [("max_tokens", .int(s.max)), ("mean_tokens", .float(s.mean)), ("p95_tokens", .int(s.p95)),
                       ("truncated", .int(stats.truncatedLines?.count ?? 0)), ("answer_lost", .int(stats.answerLostLines?.count ?? 0))]
        }
        return .record(Record("stats", fields))
    }
}

/// `show data NAME [n=3] [start=1] [seq=N]`.
public enum ShowDataCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "a loaded data set (see `datasets`)")
    static let count = Arg<Int>.option("n", .int(1...1000), default: .int(3), help: "how many examples to show")
    static let start = Arg<Int>.option("start", .int(1...Int.max), default: .int(1), help: "the first example to show (1 is the first record)")
    static let seq = Arg<Int>.option("seq", .int(1...1_000_000), help: "cut examples to this many tokens, as training will (default: the model's context length)")

    public static let spec = CommandSpec(
        ["show", "data"], summary: "show examples as the model sees them, trained tokens marked",
        discussion: """
            Each example is rendered with the template in use, tokenised exactly as training does, \
            and printed with the tokens that carry loss marked: green on a terminal, inside ⟦ ⟧ \
            elsewhere (the brackets are rare in real text, so a marker is not mistaken for data). \
            BOS and EOS appear as the tokenizer's pieces (such as <s> and </s>), since whether an \
            example ends in EOS decides whether the model learns to stop. Each header gives the \
            source line, the token count and how many are trained. Needs a model for its tokenizer.
            """,
        category: .data, arguments: [name.spec, count.spec, start.spec, seq.spec],
        examples: [.init("show data alpaca_en_demo", "the first three examples"),
                   .init("show data alpaca_en_demo n=1 start=10 seq=64", "the tenth, cut at 64 tokens")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try DataReference.resolve(arguments[name], in: context, range: arguments.range(of: name))
        let model = try ModelReference.resolve(nil, in: context, range: nil)
        let tokenizer = try ModelReference.tokenizer(of: model, in: context)
        let choice = TemplateChoice.current(in: context.session.workspace)
        let maxLength = arguments.optional(seq) ?? model.model.contextLength
        let data = handle.data
        let first = arguments[start] - 1
        if first >= data.count {
            throw HoneError(.value, "`\(handle.name)` has \(DataReference.plural(data.count, "record")); start=\(first + 1) is past the end",
                            at: arguments.range(of: start) ?? context.call.range)
        }
        let colour = context.session.output.usesColor
        var blocks: [String] = []
        var htmlBlocks: [String] = []
        var views: [Value] = []
        for i in first..<min(data.count, first + arguments[count]) {
            let view = ExampleView(data.records[i], template: choice.template, tokenizer: tokenizer, maxLength: maxLength)
            let header = "── \(handle.name) #\(i + 1) (line \(data.lines[i])): \(view.summary)"
            blocks.append(header + "\n" + (colour ? view.ansi : view.plain))
            htmlBlocks.append("<p>" + HTML.escaped(header) + "</p>" + HTML.example(view))
            views.append(.record(Record("example", [("line", .int(data.lines[i])), ("tokens", .int(view.tokenCount)),
                                                    ("trained", .int(view.trainedCount)), ("text", .string(view.plain))])))
        }
        let footer = "template: " + TemplateChoice.describe(choice) + ", seq=\(maxLength)"
        context.show(Display(text: blocks.joined(separator: "\n\n") + "\n\n" + footer + (colour ? "; trained tokens in green" : "; trained tokens inside ⟦ ⟧"),
                             html: htmlBlocks.joined() + "<p>" + HTML.escaped(footer) + "; trained tokens highlighted</p>"))
        return .list(views)
    }
}

/// `clean NAME [options…] [as NEWNAME]`.
public enum CleanCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "a loaded data set (see `datasets`)")
    static let whitespace = Arg<Bool>.option("whitespace", .bool, default: .bool(true), help: "tidy whitespace inside lines and at the ends (line breaks and indentation kept)")
    static let empty = Arg<Bool>.option("empty", .bool, default: .bool(true), help: "drop records with an empty required field")
    static let duplicates = Arg<Bool>.option("dups", .bool, default: .bool(true), help: "drop exact duplicates (equal after whitespace is normalised), keeping the first")
    static let near = Arg<Double>.option("near", .float(0.05...1), help: "also drop near duplicates at this word 3-gram Jaccard (0.8 is a good start)")
    static let minChars = Arg<Int>.option("min_chars", .int(0...Int.max), help: "drop records with fewer characters (all fields)")
    static let maxChars = Arg<Int>.option("max_chars", .int(1...Int.max), help: "drop records with more characters (all fields)")
    static let minTokens = Arg<Int>.option("min_tokens", .int(0...Int.max), help: "drop examples with fewer templated tokens")
    static let maxTokens = Arg<Int>.option("max_tokens", .int(1...Int.max), help: "drop examples with more templated tokens (instead of truncating them)")
    static let newName = Arg<String>.clause("as", .word, help: "the cleaned data set's name (default: NAME.clean)")

    public static let spec = CommandSpec(
        ["clean"], summary: "remove empty, duplicate and out-of-range records from a data set",
        discussion: """
            Writes a new data set and leaves the original alone, so a cleaning can be compared \
            with `stats` and redone with other options: NAME.clean by default, or the name given \
            with `as` (`as NAME` replaces the original). By default it tidies whitespace, drops \
            records with an empty required field (alpaca's input may be empty) and exact \
            duplicates; near duplicates and length limits are opt-in because they remove real \
            data. Token limits count the templated example with BOS and EOS and need a model. \
            The report gives each reason with its count and example lines.
            """,
        category: .data, arguments: [name.spec, whitespace.spec, empty.spec, duplicates.spec, near.spec, minChars.spec, maxChars.spec, minTokens.spec, maxTokens.spec, newName.spec],
        examples: [.init("clean alpaca_en_demo", "tidy whitespace, drop empties and exact duplicates → alpaca_en_demo.clean"),
                   .init("clean sql near=0.8 max_tokens=512 as sql", "also near duplicates and long examples, in place")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try DataReference.resolve(arguments[name], in: context, range: arguments.range(of: name))
        let target = arguments.optional(newName) ?? handle.name + ".clean"
        try DataReference.checkName(target, in: context, range: arguments.range(of: newName))
        var options = CleaningOptions()
        options.normalizeWhitespace = arguments[whitespace]
        options.dropEmpty = arguments[empty]
        options.dropExactDuplicates = arguments[duplicates]
        options.nearDuplicateThreshold = arguments.optional(near)
        options.minCharacters = arguments.optional(minChars)
        options.maxCharacters = arguments.optional(maxChars)
        options.minTokens = arguments.optional(minTokens)
        options.maxTokens = arguments.optional(maxTokens)
        var tokenizer: (any Tokenizer)? = nil
        if options.minTokens != nil || options.maxTokens != nil {
            tokenizer = try ModelReference.tokenizer(of: try ModelReference.resolve(nil, in: context, range: nil), in: context)
        }
        let result: (DataSet, CleaningReport)
        do {
            result = try DataCleaner.clean(handle.data, options: options, tokenizer: tokenizer, template: TemplateChoice.current(in: context.session.workspace).template)
        } catch let error as DataCleanerError {
            throw HoneError(.value, error.message, at: context.call.range)
        }
        let (cleaned, report) = result
        DataReference.add(target, cleaned, in: context)
        context.say("cleaned \(handle.name) → \(target): " + report.description)
        var fields: [(String, Value)] = [("name", .string(target)), ("before", .int(report.before)), ("after", .int(report.after))]
        for reason in RemovalReason.allCases {
            fields.append((reason.fieldName, .int(report.lines(removedFor: reason).count)))
        }
        return .record(Record("cleaning", fields))
    }
}

extension RemovalReason {
    /// The reason as a field of `clean`'s result: `exact_duplicate`.
    var fieldName: String {
        switch self {
        case .empty: "empty"
        case .tooShort: "too_short"
        case .tooLong: "too_long"
        case .exactDuplicate: "exact_duplicate"
        case .nearDuplicate: "near_duplicate"
        }
    }
}
