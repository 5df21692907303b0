import Foundation
import HoneModels

/// A Markdown file run as a notebook: its ```` ```hone ```` fenced blocks are cells, run in order
/// in one session. `write` puts each cell's output in an ```` ```output ```` block right after the
/// cell, replacing the old one, and leaves out volatile figures (times, rates), so re-running a
/// notebook on the same machine leaves the file unchanged.
///
/// A ```` ```sh step ```` block is a shell step the reader runs outside hone (launching an exported
/// run on a cluster, say). A plain run stops before the first one, keeping everything before it
/// checked; a front end that is asked to (`hone --shell-steps`) runs each step in the notebook's
/// folder when it is reached and goes on, so the whole notebook is tested.
public struct Notebook {
    /// A shell step: its opening fence's line (0-based) and its text.
    public struct ShellStep {
        public var openLine: Int
        public var code: String
    }

    public struct Cell {
        /// Lines of the file (0-based): the opening fence, and the closing fence.
        public var openLine: Int
        public var closeLine: Int
        public var code: String
        /// The existing output block after the cell, as a range of lines, if any.
        public var output: ClosedRange<Int>?
    }

    public struct Result {
        /// The stable output of each cell that ran, by cell index.
        public var outputs: [Int: String] = [:]
        public var errors: [HoneError] = []
        public var exitStatus: Int32 = 0
        /// The 1-based line of the shell step the run stopped before, when it was not run.
        public var stoppedBeforeShellStep: Int?
    }

    /// The info string that marks a shell step.
    public static let shellStepInfo = "sh step"

    public let path: String
    public let lines: [String]
    public let cells: [Cell]
    public let shellSteps: [ShellStep]
    /// Where a 0-based line of `lines` is for the reader: a file name and a 1-based line. For a
    /// Markdown file, the file and the line; a notebook converted from `.ipynb` names the cell.
    public let origin: (Int) -> (name: String, line: Int)
    let endsWithNewline: Bool

    public init(path: String, text: String, origin: ((Int) -> (name: String, line: Int))? = nil) {
        self.path = path
        self.origin = origin ?? { (path, $0 + 1) }
        endsWithNewline = text.hasSuffix("\n")
        var lines = text.components(separatedBy: "\n")
        if endsWithNewline { lines.removeLast() }
        self.lines = lines
        self.cells = Notebook.findCells(lines)
        var steps: [ShellStep] = []
        var i = 0
        while i < lines.count {
            guard let f = Notebook.fence(lines[i]) else { i += 1; continue }
            var end = i + 1
            while end < lines.count, !(Notebook.fence(lines[end]).map { $0.count >= f.count && $0.info.isEmpty } ?? false) { end += 1 }
            if f.info == Notebook.shellStepInfo {
                steps.append(ShellStep(openLine: i, code: lines[(i + 1)..<min(end, lines.count)].joined(separator: "\n")))
            }
            i = end + 1
        }
        self.shellSteps = steps
    }

    /// `NAME:LINE` for a 0-based line, as messages give a place.
    public func location(ofLine line: Int) -> String {
        let (name, n) = origin(line)
        return "\(name):\(n)"
    }

    /// The fence of a line: its backtick count and info string, when it opens or closes a block.
    static func fence(_ line: String) -> (count: Int, info: String)? {
        let trimmed = line.drop { $0 == " " }
        guard line.count - trimmed.count <= 3 else { return nil }
        let count = trimmed.prefix { $0 == "`" }.count
        guard count >= 3 else { return nil }
        return (count, trimmed.dropFirst(count).trimmingCharacters(in: .whitespaces))
    }

    static func findCells(_ lines: [String]) -> [Cell] {
        var cells: [Cell] = []
        var i = 0
        /// The line that closes a block opened with `count` backticks at `open`, or the end.
        func close(from open: Int, count: Int) -> Int {
            var j = open + 1
            while j < lines.count {
                if let f = fence(lines[j]), f.count >= count, f.info.isEmpty { return j }
                j += 1
            }
            return lines.count
        }
        while i < lines.count {
            guard let f = fence(lines[i]) else { i += 1; continue }
            let end = close(from: i, count: f.count)
            if f.info == "hone" {
                let code = end > i + 1 ? lines[(i + 1)..<min(end, lines.count)].joined(separator: "\n") : ""
                var cell = Cell(openLine: i, closeLine: end, code: code, output: nil)
                var k = end + 1
                if k < lines.count && lines[k].trimmingCharacters(in: .whitespaces).isEmpty { k += 1 }
                if k < lines.count, let g = fence(lines[k]), g.info == "output" {
                    let outputEnd = close(from: k, count: g.count)
                    cell.output = (end + 1)...min(outputEnd, lines.count - 1)
                    i = outputEnd + 1
                } else {
                    i = end + 1
                }
                cells.append(cell)
            } else {
                i = end + 1
            }
        }
        return cells
    }

    /// Runs the cells in order in `interpreter`'s session, stopping at the first failure. All
    /// cells are parsed before the first runs, so a syntax error anywhere runs nothing. At a shell
    /// step, `shellStep` runs it (its exit status, non-zero stops the run); without one the run
    /// stops there and says where.
    public func run(in interpreter: Interpreter, echo: Bool, shellStep: ((ShellStep) -> Int32)? = nil) -> Result {
        var result = Result()
        let directory = SourceFile.directoryOf(path: path)
        let sources = cells.map { cell in
            let (name, line) = origin(cell.openLine + 1)
            return SourceFile(name: name, text: cell.code, firstLine: line, directory: directory)
        }
        let syntaxErrors = sources.flatMap { Parser.parse($0, registry: interpreter.session.registry).errors }
        if !syntaxErrors.isEmpty {
            result.errors = syntaxErrors
            result.exitStatus = 65
            return result
        }
        let session = interpreter.session
        let previous = session.output
        defer { session.output = previous }
        var pendingSteps = shellSteps[...]
        for (index, source) in sources.enumerated() {
            while let step = pendingSteps.first, step.openLine < cells[index].openLine {
                pendingSteps = pendingSteps.dropFirst()
                guard let shellStep else {
                    result.stoppedBeforeShellStep = step.openLine + 1
                    return result
                }
                let status = shellStep(step)
                if status != 0 {
                    result.exitStatus = status
                    return result
                }
            }
            let capture = CapturedOutput()
            session.output = echo ? TeeOutput(capture, previous) : capture
            let outcome = interpreter.runEntry(source)
            var text = capture.stableText
            switch outcome {
            case .failed(let errors):
                text += errors.map { DiagnosticRenderer(useColor: false).render($0) }.joined()
                result.outputs[index] = text
                result.errors = errors
                result.exitStatus = outcome.exitStatus
                return result
            case .exit(let status):
                result.outputs[index] = text
                result.exitStatus = status
                return result
            case .completed, .needsMoreInput:
                result.outputs[index] = text
            }
        }
        // Steps after the last cell.
        for step in pendingSteps {
            guard let shellStep else {
                result.stoppedBeforeShellStep = step.openLine + 1
                return result
            }
            let status = shellStep(step)
            if status != 0 {
                result.exitStatus = status
                return result
            }
        }
        return result
    }

    /// The notebook's text with each run cell's output block replaced by its new output.
    public func updatedText(with result: Result) -> String {
        var out: [String] = []
        var line = 0
        for (index, cell) in cells.enumerated() {
            let cellEnd = min(cell.closeLine, lines.count - 1)
            out += lines[line...cellEnd]
            line = cellEnd + 1
            guard let output = result.outputs[index] else { continue }
            if let old = cell.output { line = old.upperBound + 1 }
            if !output.isEmpty {
                var body = output.hasSuffix("\n") ? String(output.dropLast()) : output
                body = body.replacingOccurrences(of: "\u{1B}", with: "")
                let longest = body.components(separatedBy: "\n").compactMap { Notebook.fence($0)?.count }.max() ?? 0
                let fence = String(repeating: "`", count: max(3, longest + 1))
                out.append("")
                out.append(fence + "output")
                out += body.components(separatedBy: "\n")
                out.append(fence)
            }
        }
        if line < lines.count { out += lines[line...] }
        return out.joined(separator: "\n") + (endsWithNewline ? "\n" : "")
    }

    /// Writes the updated notebook atomically, unless nothing changed.
    public func write(_ result: Result) throws {
        let text = updatedText(with: result)
        let original = lines.joined(separator: "\n") + (endsWithNewline ? "\n" : "")
        if text != original { try AtomicFile.write(Array(text.utf8), to: path) }
    }
}

/// Sends output to two sinks: the notebook's capture and the terminal.
final class TeeOutput: OutputSink {
    let first: OutputSink
    let second: OutputSink
    init(_ first: OutputSink, _ second: OutputSink) {
        self.first = first
        self.second = second
    }
    func emit(_ text: String, _ kind: OutputKind) {
        first.emit(text, kind)
        second.emit(text, kind)
    }
}
