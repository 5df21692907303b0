import Foundation
import HoneModels
import HoneTrain

/// Finds the retrieval index a command names, with "did you mean" for a near miss.
enum IndexReference {
    static func resolve(_ name: String, in context: CommandContext, range: SourceRange?) throws -> RetrievalIndexHandle {
        let workspace = context.session.workspace
        if let handle = workspace.index(named: name) { return handle }
        let names = workspace.indexes.map(\.name)
        var hints = names.isEmpty ? ["no index is built; `rag index PATH as \(name)` builds one"] : ["built: " + names.joined(separator: ", ")]
        let suggestion = Suggestions.didYouMean(name, among: names)
        if !suggestion.isEmpty { hints.insert(String(suggestion.dropFirst(2)), at: 0) }
        throw HoneError(.value, "no index named `\(name)`", at: range ?? context.call.range, hints: hints)
    }

    /// A passage on one line for listings: newlines become spaces, long text is cut with `…`.
    static func oneLine(_ text: String, limit: Int = 100) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }

    /// `hits` as lines of rank, score, source and text, indented under a heading.
    static func listing(_ hits: [RetrievalHit]) -> [String] {
        hits.enumerated().map { i, hit in
            "  [\(i + 1)] " + String(format: "%.3f", hit.score) + "  " + hit.passage.source.description + "  " + oneLine(hit.passage.text)
        }
    }

    static func record(_ hit: RetrievalHit, rank: Int) -> Value {
        .record(Record("passage", [("rank", .int(rank)), ("score", .float(hit.score)), ("source", .string(hit.passage.source.description)),
                                   ("text", .string(hit.passage.text))]))
    }
}

/// `rag index DOCS [as NAME]`.
public enum RagIndexCommand: Command {
    static let path = Arg<String>.positional("docs", .path(extensions: []),
        help: "a text file (paragraphs; one line each if it has no blank line), a folder of .txt/.md files, or a .jsonl or .json file of records")
    static let name = Arg<String>.clause("as", .word, help: "the index's name (default: docs)")

    public static let spec = CommandSpec(
        ["rag", "index"], summary: "build a BM25 retrieval index over documents",
        discussion: """
            Splits the documents into passages: a text file at its blank lines (a file without \
            blank lines, one passage per line), a folder's .txt and .md files taken in path order, \
            or the records of a .jsonl file or .json array (the "text" field, else all text \
            fields joined). Each \
            passage remembers its file and line. Passages are indexed for Okapi BM25 (k1 1.5, \
            b 0.75, Lucene's idf) over lowercase letter-and-digit terms. `rag search` queries the \
            index; `generate … rag=NAME` and `eval … rag=NAME` put the best passages into the \
            prompt, which is retrieval-augmented generation without any training.
            """,
        category: .data, arguments: [path.spec, name.spec],
        examples: [.init("rag index notes.txt as facts", "one passage per paragraph, named `facts`"),
                   .init("rag index ../shared/docs", "every .txt and .md file below the folder, named `docs`")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let written = arguments[path]
        let indexName = arguments.optional(name) ?? "docs"
        let ok = indexName.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
        if !ok { throw HoneError(.value, "`\(indexName)` cannot name an index", at: arguments.range(of: name),
                                 hints: ["use letters, digits, `_`, `-` and `.`, e.g. `facts`"]) }
        let start = ContinuousClock.now
        let passages: [Passage]
        do {
            let resolved = context.resolve(path: written)
            // Sources read as the user wrote the path (`notes/a.md:3`), not as resolved.
            passages = try PassageReader.passages(at: resolved).map { passage in
                var named = passage
                if passage.source.file.hasPrefix(resolved) { named.source.file = written + passage.source.file.dropFirst(resolved.count) }
                return named
            }
        } catch {
            let hints = error.kind == .empty ? ["index a text file, a folder of .txt or .md files, or a .jsonl or .json file with some text"] : []
            throw HoneError(.value, "cannot index `\(written)`", at: arguments.range(of: path) ?? context.call.range, hints: hints, cause: error.description)
        }
        let index = BM25Index(passages: passages)
        let elapsed = ContinuousClock.now - start
        let handle = RetrievalIndexHandle(name: indexName, index: index, source: written)
        context.session.workspace.add(handle)
        context.say("indexed \(indexName): \(DataReference.plural(passages.count, "passage")), vocabulary \(DataReference.plural(index.vocabularySize, "term")), from \(written)")
        let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        context.say(String(format: "  built in %.1f ms", ms), .volatile)
        return .object(handle)
    }
}

/// `rag search NAME "QUERY" [k=3]`.
public enum RagSearchCommand: Command {
    static let name = Arg<String>.positional("index", .word, help: "an index built by `rag index`")
    static let query = Arg<String>.positional("query", .string, help: "the text to search for")
    static let k = Arg<Int>.option("k", .int(1...1000), default: .int(3), help: "how many passages to show")

    public static let spec = CommandSpec(
        ["rag", "search"], summary: "show the passages of an index that best match a query",
        discussion: """
            Lists the best passages with their BM25 scores and sources (file:line), best first; \
            equal scores keep document order. Only passages sharing a term with the query are \
            listed, so there may be fewer than k. Returns a list of records with rank, score, \
            source and text.
            """,
        category: .data, arguments: [name.spec, query.spec, k.spec],
        examples: [.init(#"rag search facts "capital of France" k=2"#, "the two best passages and their scores")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try IndexReference.resolve(arguments[name], in: context, range: arguments.range(of: name))
        let hits = handle.index.search(arguments[query], k: arguments[k])
        if hits.isEmpty {
            context.show("no passage of \(handle.name) shares a term with the query")
        } else {
            context.show((["\(DataReference.plural(hits.count, "passage")) from \(handle.name):"] + IndexReference.listing(hits)).joined(separator: "\n"))
        }
        return .list(hits.enumerated().map { IndexReference.record($1, rank: $0 + 1) })
    }
}
