import Foundation
import HoneModels

/// A Jupyter notebook (`.ipynb`, nbformat 4.5) holding a hone notebook, and the conversion both
/// ways with the Markdown form `Notebook` runs.
///
/// Markdown → ipynb: the prose between blocks becomes Markdown cells, each ```` ```hone ```` block a
/// code cell whose ```` ```output ```` block (if any) becomes one `stream` output, and each
/// ```` ```sh step ```` block a Markdown cell of its own holding the fenced block unchanged, so the
/// reader sees the command and the way back restores the step. Cell ids come from the cell's index,
/// so converting the same Markdown always gives the same bytes. ipynb → Markdown joins the cells with
/// one blank line, which gives back exactly a Markdown notebook whose blocks are separated by one blank
/// line (every tutorial is). Metadata hone does not use is kept as read.
public struct IPYNB: Equatable, Sendable {
    public struct Cell: Equatable, Sendable {
        public enum Kind: String, Decodable, Sendable { case markdown, code, raw }
        public var id: String?
        public var kind: Kind
        public var metadata: [String: JSONValue]
        public var source: String
        public var attachments: JSONValue?
        /// Code cells only.
        public var outputs: [JSONValue]
        public var executionCount: Int?
    }

    public var nbformat: Int
    public var nbformatMinor: Int
    public var metadata: [String: JSONValue]
    public var cells: [Cell]

    public static let kernelspec: JSONValue = .object(["name": .string("hone"), "display_name": .string("hone"), "language": .string("hone")])
    public static let languageInfo: JSONValue = .object(["name": .string("hone"), "file_extension": .string(".hone")])
}

// MARK: - Markdown → ipynb

extension IPYNB {
    /// The Jupyter form of a Markdown notebook.
    public init(markdown text: String) {
        var lines = text.components(separatedBy: "\n")
        if text.hasSuffix("\n") { lines.removeLast() }
        var cells: [Cell] = []
        var prose: [String] = []
        func cell(_ kind: Cell.Kind, _ source: String, outputs: [JSONValue] = []) -> Cell {
            Cell(id: "cell-\(cells.count + 1)", kind: kind, metadata: [:], source: source, attachments: nil,
                 outputs: outputs, executionCount: nil)
        }
        func flushProse() {
            while prose.first?.isEmpty == true { prose.removeFirst() }
            while prose.last?.isEmpty == true { prose.removeLast() }
            if !prose.isEmpty { cells.append(cell(.markdown, prose.joined(separator: "\n"))) }
            prose = []
        }
        /// The line that closes the block opened at `open` with `count` backticks, or the end.
        func close(_ open: Int, _ count: Int) -> Int {
            var j = open + 1
            while j < lines.count {
                if let f = Notebook.fence(lines[j]), f.count >= count, f.info.isEmpty { return j }
                j += 1
            }
            return lines.count
        }
        var i = 0
        while i < lines.count {
            guard let f = Notebook.fence(lines[i]) else { prose.append(lines[i]); i += 1; continue }
            let end = close(i, f.count)
            let body = Array(lines[(i + 1)..<min(end, lines.count)])
            if f.info == "hone" {
                flushProse()
                var next = end + 1
                var outputs: [JSONValue] = []
                var k = next
                if k < lines.count, lines[k].isEmpty { k += 1 }
                if k < lines.count, let g = Notebook.fence(lines[k]), g.info == "output" {
                    let outputEnd = close(k, g.count)
                    outputs = [IPYNB.stream(lines: Array(lines[(k + 1)..<min(outputEnd, lines.count)]))]
                    next = outputEnd + 1
                }
                cells.append(cell(.code, body.joined(separator: "\n"), outputs: outputs))
                i = next
            } else if f.info == Notebook.shellStepInfo {
                flushProse()
                cells.append(cell(.markdown, lines[i...min(end, lines.count - 1)].joined(separator: "\n")))
                i = end + 1
            } else {
                prose += lines[i...min(end, lines.count - 1)]
                i = end + 1
            }
        }
        flushProse()
        self.init(nbformat: 4, nbformatMinor: 5,
                  metadata: ["kernelspec": IPYNB.kernelspec, "language_info": IPYNB.languageInfo], cells: cells)
    }

    /// A `stream` output on stdout holding the lines of an output block.
    static func stream(lines: [String]) -> JSONValue {
        .object(["output_type": .string("stream"), "name": .string("stdout"),
                 "text": IPYNB.multiline(lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n")])
    }

    /// The outputs of a cell that printed `output` in a run: one stream, as `Notebook.updatedText`
    /// writes its output block, or none.
    public static func outputs(ofRun output: String) -> [JSONValue] {
        guard !output.isEmpty else { return [] }
        var body = output.hasSuffix("\n") ? String(output.dropLast()) : output
        body = body.replacingOccurrences(of: "\u{1B}", with: "")
        return [stream(lines: body.components(separatedBy: "\n"))]
    }

    /// nbformat's on-disk form of multi-line text: a list of lines, each keeping its newline.
    static func multiline(_ text: String) -> JSONValue {
        var lines: [JSONValue] = []
        var current = ""
        for ch in text {
            current.append(ch)
            if ch == "\n" { lines.append(.string(current)); current = "" }
        }
        if !current.isEmpty { lines.append(.string(current)) }
        return .array(lines)
    }
}

// MARK: - ipynb → Markdown

extension IPYNB {
    /// The Markdown notebook, and for each cell the 0-based line of the Markdown text where it starts.
    public func markdownRendering() -> (text: String, cellStarts: [Int]) {
        var blocks: [String] = []
        var starts: [Int] = []
        var line = 0
        for cell in cells {
            var text: String
            switch cell.kind {
            case .markdown, .raw:
                text = cell.source
                while text.hasSuffix("\n") { text.removeLast() }
            case .code:
                let codeLines = cell.source.isEmpty ? [] : cell.source.components(separatedBy: "\n")
                let fence = Self.fence(for: codeLines)
                text = ([fence + "hone"] + codeLines + [fence]).joined(separator: "\n")
                if !cell.outputs.isEmpty {
                    var output = cell.outputs.map(Self.text(of:)).joined()
                    let outputLines: [String]
                    if output.isEmpty {
                        outputLines = []
                    } else {
                        if output.hasSuffix("\n") { output.removeLast() }
                        outputLines = output.components(separatedBy: "\n")
                    }
                    let fence = Self.fence(for: outputLines)
                    text += "\n\n" + ([fence + "output"] + outputLines + [fence]).joined(separator: "\n")
                }
            }
            starts.append(line)
            if text.isEmpty { continue }
            blocks.append(text)
            line += text.components(separatedBy: "\n").count + 1
        }
        return (blocks.isEmpty ? "" : blocks.joined(separator: "\n\n") + "\n", starts)
    }

    public var markdown: String { markdownRendering().text }

    /// A fence longer than any fence-like line in the block, at least three backticks.
    static func fence(for lines: [String]) -> String {
        let longest = lines.compactMap { Notebook.fence($0)?.count }.max() ?? 0
        return String(repeating: "`", count: max(3, longest + 1))
    }

    /// The text an output shows: a stream's text, a result's `text/plain`, an error's traceback.
    static func text(of output: JSONValue) -> String {
        guard case .object(let o) = output else { return "" }
        func joined(_ v: JSONValue?) -> String {
            switch v {
            case .string(let s): return s
            case .array(let parts): return parts.map { if case .string(let s) = $0 { return s } else { return "" } }.joined()
            default: return ""
            }
        }
        switch o["output_type"] {
        case .string("stream"): return joined(o["text"])
        case .string("error"):
            if case .array(let lines) = o["traceback"] ?? .null {
                return lines.map { if case .string(let s) = $0 { return s + "\n" } else { return "" } }.joined()
            }
            return ""
        default:
            if case .object(let data) = o["data"] ?? .null { return joined(data["text/plain"]) }
            return ""
        }
    }
}

// MARK: - Reading and writing the JSON

/// What is wrong with a `.ipynb` file hone was given.
public struct IPYNBError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String
    public var description: String { "`\(path)`: \(message)" }
}

extension IPYNB {
    /// Reads a notebook, checking that it is nbformat 4 and has the fields hone needs.
    public init(path: String, data: Data) throws {
        let decoded: Decoded
        do {
            decoded = try JSONDecoder().decode(Decoded.self, from: data)
        } catch let error as DecodingError {
            throw IPYNBError(path: path, message: Self.describe(error))
        } catch let error as IPYNBError {
            throw IPYNBError(path: path, message: error.message)
        }
        guard decoded.nbformat == 4 else {
            throw IPYNBError(path: path, message: "nbformat \(decoded.nbformat) is not supported; hone reads nbformat 4")
        }
        if case .object(let info) = decoded.metadata["language_info"] ?? .null, case .string(let language) = info["name"] ?? .null,
           language != "hone" {
            throw IPYNBError(path: path, message: "a notebook in `\(language)`, not hone (its metadata.language_info.name)")
        }
        self.init(nbformat: decoded.nbformat, nbformatMinor: decoded.nbformat_minor, metadata: decoded.metadata,
                  cells: decoded.cells.map { $0.cell })
    }

    /// The JSON text, as Jupyter writes it, ending with a newline.
    public var text: String { json.text() + "\n" }

    public var json: JSONValue {
        .object(["nbformat": .int(nbformat), "nbformat_minor": .int(nbformatMinor), "metadata": .object(metadata),
                 "cells": .array(cells.map(\.json))])
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context.codingPath)
            return "missing `\(at.isEmpty ? "" : at + ".")\(key.stringValue)`"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            if context.codingPath.isEmpty { return "not a notebook: the JSON is not an object" }
            return "`\(path(context.codingPath))` should be \(Self.name(of: type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not JSON (\(context.underlyingError.map { "\($0)" } ?? context.debugDescription))" }
            return "`\(path(context.codingPath))`: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func name(of type: Any.Type) -> String {
        switch type {
        case is MultilineText.Type: return "a string or a list of strings"
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is [Any].Type, is [Decoded.Cell].Type, is [JSONValue].Type: return "a list"
        case is [String: JSONValue].Type: return "an object"
        default: return "\(type)"
        }
    }

    /// The shape read from the file.
    struct Decoded: Decodable {
        var nbformat: Int
        var nbformat_minor: Int
        var metadata: [String: JSONValue]
        var cells: [Cell]

        struct Cell: Decodable {
            var id: String?
            var cell_type: String
            var metadata: [String: JSONValue]?
            var source: MultilineText
            var attachments: JSONValue?
            var outputs: [JSONValue]?
            var execution_count: Int?

            var cell: IPYNB.Cell {
                IPYNB.Cell(id: id, kind: Kind(rawValue: cell_type)!, metadata: metadata ?? [:], source: source.text,
                           attachments: attachments, outputs: outputs ?? [], executionCount: execution_count)
            }

            typealias Kind = IPYNB.Cell.Kind

            init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                cell_type = try c.decode(String.self, forKey: .cell_type)
                guard Kind(rawValue: cell_type) != nil else {
                    throw DecodingError.dataCorruptedError(forKey: .cell_type, in: c,
                        debugDescription: "unknown cell type `\(cell_type)` (nbformat has markdown, code and raw)")
                }
                id = try c.decodeIfPresent(String.self, forKey: .id)
                metadata = try c.decodeIfPresent([String: JSONValue].self, forKey: .metadata)
                source = try c.decode(MultilineText.self, forKey: .source)
                attachments = try c.decodeIfPresent(JSONValue.self, forKey: .attachments)
                if cell_type == "code" {
                    outputs = try c.decode([JSONValue].self, forKey: .outputs)
                    execution_count = try c.decodeIfPresent(Int.self, forKey: .execution_count)
                }
            }

            enum CodingKeys: String, CodingKey { case id, cell_type, metadata, source, attachments, outputs, execution_count }
        }
    }

    /// nbformat's multi-line text: a string, or a list of strings to be joined.
    struct MultilineText: Decodable {
        var text: String
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { text = s; return }
            guard let parts = try? c.decode([String].self) else {
                throw DecodingError.typeMismatch(MultilineText.self, .init(codingPath: decoder.codingPath,
                    debugDescription: "a string or a list of strings"))
            }
            text = parts.joined()
        }
    }
}

extension IPYNB.Cell {
    var json: JSONValue {
        var o: [String: JSONValue] = ["cell_type": .string(kind.rawValue), "metadata": .object(metadata),
                                      "source": IPYNB.multiline(source)]
        if let id { o["id"] = .string(id) }
        if let attachments { o["attachments"] = attachments }
        if kind == .code {
            o["outputs"] = .array(outputs)
            o["execution_count"] = executionCount.map { .int($0) } ?? .null
        }
        return .object(o)
    }
}
