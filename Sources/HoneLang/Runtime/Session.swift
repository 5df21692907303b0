import HoneTensor

/// Everything a hone session keeps between commands: variables, options, history, the last
/// result. The REPL, scripts and notebooks each run one; `reset` clears it.
public final class Session {
    public private(set) var variableNames: [String] = []
    private var variables: [String: Value] = [:]
    public private(set) var options: [String: Value] = [:]
    public private(set) var history: [HistoryEntry] = []
    public internal(set) var lastResult: Value = .none
    public let registry: CommandRegistry
    public var output: OutputSink
    public let interrupt: InterruptFlag
    public var limits: Limits
    /// The models (and later data sets, adapters, runs) the session holds.
    public let workspace = Workspace()
    /// Files being run by `run`, innermost last, to refuse a script that includes itself.
    var includeStack: [String] = []
    /// The conversation `chat` continues until `chat reset` (or `reset`).
    public internal(set) var conversation = Conversation()
    /// Set by a front end on a terminal: what `chat` with no message opens (the chat sub-REPL).
    /// Elsewhere (scripts, notebooks, the kernel) it is nil and `chat` needs its message.
    public var interactiveChat: ((CommandContext) throws -> Void)?
    /// Set once the session has said that bf16 runs its products in FP32 on this CPU.
    var toldAboutPrecisionFallback = false

    public struct HistoryEntry: Sendable {
        public var text: String
        public var succeeded: Bool
    }

    /// Bounds that keep a runaway script from exhausting the machine.
    public struct Limits: Sendable {
        public var maxStatements = Int.max
        public var maxListCount = 10_000_000
        public var maxStringBytes = 64 << 20
        public var maxIncludeDepth = 32
        /// How deeply lists and records may nest: values are shown, compared and freed
        /// recursively, so a loop that wraps a value in itself would otherwise overflow the stack.
        public var maxValueDepth = 100
        public init() {}
    }

    public init(registry: CommandRegistry = .standard, output: OutputSink = StandardOutput(), interrupt: InterruptFlag = .shared) {
        self.registry = registry
        self.output = output
        self.interrupt = interrupt
        self.limits = Limits()
        resetOptions()
    }

    public func variable(_ name: String) -> Value? {
        name == "_" ? lastResult : variables[name]
    }

    public func setVariable(_ name: String, _ value: Value) {
        if variables[name] == nil { variableNames.append(name) }
        variables[name] = value
    }

    /// Makes `list` the session's variables, in its order (a snapshot restored).
    func replaceVariables(_ list: [(String, Value)]) {
        variables = [:]
        variableNames = []
        for (name, value) in list { setVariable(name, value) }
    }

    public var allVariables: [(name: String, value: Value)] {
        variableNames.compactMap { name in variables[name].map { (name, $0) } }
    }

    public func option(_ name: String) -> Value {
        guard let value = options[name] else { preconditionFailure("unknown session option `\(name)`") }
        return value
    }

    public var verbosity: Verbosity {
        if case .string(let s) = option("verbose"), let v = Verbosity(rawValue: s) { return v }
        return .normal
    }

    public func setOption(_ name: String, _ value: Value) { options[name] = value }

    func resetOptions() {
        for option in SessionOption.all { options[option.name] = option.defaultValue.value }
    }

    /// Puts this session's `threads` option in force for the process: OpenBLAS's thread count and
    /// `Parallel.threads`. Both are process-wide and results depend on them (a sum split over two
    /// threads adds in another order than on one), while the option belongs to the session, so a
    /// session that never said `set threads=` would otherwise compute with whatever count another
    /// session (or a `reset` one) last set, and the same seed would give other numbers. The
    /// interpreter calls this before every command. Under `Parallel.settingsLock`, so it waits
    /// while another thread holds the counts steady; it changes nothing when they already match.
    public func applyThreads() {
        guard case .int(let threads) = option("threads") else { return }
        Parallel.settingsLock.lock()
        defer { Parallel.settingsLock.unlock() }
        if BLAS.threads != threads { BLAS.configure(threads: threads) }
        if Parallel.threads != threads { Parallel.threads = threads }
    }

    public func recordHistory(_ text: String, succeeded: Bool) {
        history.append(HistoryEntry(text: text, succeeded: succeeded))
    }

    /// Clears models, variables, options and the last result; keeps the history of what was typed.
    public func reset() {
        workspace.removeAll()
        variables = [:]
        variableNames = []
        lastResult = .none
        conversation = Conversation()
        resetOptions()
    }

    public func say(_ text: String, _ kind: OutputKind = .text) {
        output.emit(text.hasSuffix("\n") ? text : text + "\n", kind)
    }
}
