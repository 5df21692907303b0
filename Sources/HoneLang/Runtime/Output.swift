/// Where commands send what they print. Libraries never print; the front end chooses a sink.
public protocol OutputSink: AnyObject {
    func emit(_ text: String, _ kind: OutputKind)
    /// True when the text goes straight to a terminal: progress lines update in place;
    /// captures, notebooks and pipes get plain lines.
    var isTerminal: Bool { get }
    /// True when that terminal may also be sent ANSI colour (`NO_COLOR` unset, no-color.org).
    var usesColor: Bool { get }
    /// Shows a table, plot or live display; sinks without rich output print its text.
    func display(_ display: Display)
    /// Shows the value of an expression statement (a notebook's `execute_result`).
    func result(_ text: String)
    /// True when displays with an id are replaced in place (a Jupyter front end): training
    /// then keeps one live progress display instead of printing its tokens/s lines.
    var showsLiveDisplays: Bool { get }
}

extension OutputSink {
    public var isTerminal: Bool { false }
    public var usesColor: Bool { false }
    public var showsLiveDisplays: Bool { false }
    public func display(_ display: Display) { showDisplay(display) }
    public func result(_ text: String) { emit(text.hasSuffix("\n") ? text : text + "\n", .text) }
}

public enum OutputKind: Sendable, Equatable {
    /// Ordinary output.
    case text
    /// Figures that change from run to run (times, tokens/s, ETA). Notebooks leave them out of
    /// the outputs they write, so re-running a notebook on the same machine changes nothing.
    case volatile
}

/// Writes to standard output as it comes.
public final class StandardOutput: OutputSink {
    public init() {}
    public var isTerminal: Bool { isatty(STDOUT_FILENO) != 0 }
    public var usesColor: Bool { isTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }
    public func emit(_ text: String, _ kind: OutputKind) {
        print(text, terminator: "")
        fflushStandardOutput()
    }
}

/// Keeps what was emitted, for notebooks and tests.
public final class CapturedOutput: OutputSink {
    public private(set) var pieces: [(text: String, kind: OutputKind)] = []
    public init() {}
    public func emit(_ text: String, _ kind: OutputKind) { pieces.append((text, kind)) }
    public var text: String { pieces.map(\.text).joined() }
    public var stableText: String { pieces.filter { $0.kind != .volatile }.map(\.text).joined() }
    public func clear() { pieces.removeAll() }
}

import Foundation

/// Flushes every C stream; `fflush(nil)` avoids naming the global `stdout`, which Swift 6 rejects.
func fflushStandardOutput() { fflush(nil) }
