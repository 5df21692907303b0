import Foundation
import Synchronization
import Testing
@testable import HoneLang

/// Feeds random and mutated scripts to the interpreter, in process, and checks that each one
/// ends in a result, an exit, or errors that point into their source: none crashes or hangs.
///
/// Heavy commands run as stand-ins that only check their arguments, so the test stays fast as
/// commands arrive; `history save` writes only inside the test's own directory. A command that
/// writes files must be heavy or confined the same way.
///
/// Everything follows from one seed, printed with any failure together with the script and the
/// scripts run before it in the same session. `HONE_FUZZ_SEED=<seed>` reruns a failure;
/// `HONE_FUZZ_SCRIPTS=<n>` changes the number of scripts per batch. A crash ends the process
/// before anything is reported: rerun with `HONE_FUZZ_TRACE=1` to print each script to standard
/// error before it runs. A script that runs longer than `hangLimit` stops the process with
/// the script printed.
@Suite("fuzz")
struct FuzzTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seed: UInt64 = environment["HONE_FUZZ_SEED"].flatMap { UInt64($0.replacingOccurrences(of: "0x", with: ""), radix: 16) } ?? 0x686F_6E65_F022
    static let batches = 8
    static let scriptsPerBatch = environment["HONE_FUZZ_SCRIPTS"].flatMap { Int($0) } ?? 2_500
    static let hangLimit: Duration = .seconds(20)

    /// The standard commands with heavy ones as stand-ins and `history save` confined.
    static let registry: CommandRegistry = {
        let standIns = CommandRegistry.standard.replacingHeavyCommands()
        let commands = standIns.commands.map { command -> any Command.Type in
            ObjectIdentifier(command) == ObjectIdentifier(HistorySaveCommand.self) ? ConfinedHistorySave.self : command
        }
        return CommandRegistry(commands, usesStandIns: standIns.usesStandIns)
    }()

    /// Valid scripts to mutate: every example in every command's spec, and the golden scripts.
    static let seedScripts: [String] = {
        var scripts = registry.commands.flatMap { $0.spec.examples.map(\.code) }
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".hone") { paths.append(path) }
        }
        for path in paths.sorted() {
            if let text = try? String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8) { scripts.append(text) }
        }
        return scripts
    }()

    @Test("at least 10,000 scripts are fuzzed")
    func enoughScripts() {
        #expect(Self.batches * Self.scriptsPerBatch >= 10_000 || Self.environment["HONE_FUZZ_SCRIPTS"] != nil)
        #expect(Self.seedScripts.count > Self.registry.commands.count)
    }

    @Test("random and mutated scripts end in a result, an exit, or errors with positions", arguments: 0..<batches)
    func fuzzBatch(_ batch: Int) throws {
        var mixer = SplitMix64(seed: Self.seed)
        var seed = mixer.next()
        for _ in 0..<batch { seed = mixer.next() }
        let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent("hone-fuzz-\(getpid())-\(batch)").path
        try FileManager.default.createDirectory(atPath: sandbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sandbox) }

        let report = try ConfinedHistorySave.$directory.withValue(sandbox) {
            try FuzzRun(seed: seed, batch: batch, sandbox: sandbox).run(count: Self.scriptsPerBatch)
        }
        print("fuzz batch \(batch) (HONE_FUZZ_SEED=\(String(Self.seed, radix: 16))): \(report)")
        #expect(report.scripts >= Self.scriptsPerBatch)
        // A generator that only wrote garbage, or only valid scripts, would test little.
        #expect(report.completed * 10 > report.scripts, "too few scripts completed: \(report)")
        #expect(report.failed * 10 > report.scripts, "too few scripts failed: \(report)")
    }

    /// A script that once crashed the interpreter, made minimal, and the start of the first
    /// error it must now give (nil: it must run to the end).
    struct Regression: CustomTestStringConvertible, Sendable {
        var name: String
        var script: String
        var error: String?
        var testDescription: String { name }
    }

    /// Nesting overflowed the stack: parsing, checking and running all recurse over the syntax,
    /// and showing, comparing and freeing values recurse over lists and records. The parser
    /// failed at 1,000 levels in a debug build, a value wrapped in itself at about 3,000.
    static let regressions: [Regression] = {
        let n = 10_000
        func repeated(_ s: String, _ count: Int = n) -> String { String(repeating: s, count: count) }
        let tooDeep = "nested too deeply", valueTooDeep = "the value nests too deeply"
        var interpolation = "1"
        for _ in 0..<n { interpolation = "\"${" + interpolation + "}\"" }
        let loops = "let L = [" + repeated("0, ", 99) + "0]\nfor a in L { for b in L { "
        return [
            Regression(name: "parentheses", script: "print " + repeated("(") + "1" + repeated(")"), error: tooDeep),
            Regression(name: "parentheses in an argument", script: "set seed=" + repeated("(") + "1" + repeated(")"), error: tooDeep),
            Regression(name: "brackets", script: "let x = " + repeated("[") + repeated("]"), error: tooDeep),
            Regression(name: "brackets in an argument", script: "set seed=" + repeated("[") + repeated("]"), error: tooDeep),
            Regression(name: "minus signs", script: "print " + repeated("-") + "1", error: tooDeep),
            Regression(name: "`not`", script: "print " + repeated("not ") + "true", error: tooDeep),
            Regression(name: "blocks", script: repeated("{") + repeated("}"), error: tooDeep),
            Regression(name: "`if` blocks", script: repeated("if true { ") + repeated("}"), error: tooDeep),
            Regression(name: "`else if` chain", script: "if false { }" + repeated(" else if false { }"), error: tooDeep),
            Regression(name: "`time`", script: repeated("time ") + "print 1", error: tooDeep),
            Regression(name: "interpolation", script: "print " + interpolation, error: tooDeep),
            Regression(name: "a list wrapped in itself", script: "let x = []\n" + loops + "let x = [x] } }", error: valueTooDeep),
            Regression(name: "a result wrapped in itself", script: "let t = 1\n" + loops + "let t = time print t } }", error: valueTooDeep),
            Regression(name: "the last result wrapped in itself", script: loops + "time print _ } }", error: valueTooDeep),
            Regression(name: "a loop variable wrapped in itself", script: "let x = 0\n" + loops + "for x in [[x]] { } } }", error: valueTooDeep),
            Regression(name: "nesting that real scripts use still runs",
                       script: repeated("{ ", 20) + "print " + repeated("(", 20) + "1" + repeated(")", 20) + repeated(" }", 20)),
        ]
    }()

    @Test("scripts that once crashed end in a result or errors with positions", arguments: regressions)
    func regression(_ regression: Regression) {
        let session = FuzzRun.makeSession()
        let source = SourceFile(name: "<fuzz>", text: regression.script)
        let outcome = Interpreter(session: session).runEntry(source)
        let problems = FuzzRun.problems(with: outcome, for: source)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        switch outcome {
        case .failed(let errors):
            let rendered = String(errors.map { DiagnosticRenderer().render($0) }.joined().prefix(500))
            #expect(regression.error != nil, "failed:\n\(rendered)")
            if let expected = regression.error { #expect(errors[0].message.hasPrefix(expected), "\(rendered)") }
        default:
            #expect(regression.error == nil, "ran to the end")
        }
    }
}

/// What one batch ran, by outcome.
struct FuzzReport: CustomStringConvertible {
    var scripts = 0, completed = 0, failed = 0, exited = 0
    var seconds = 0.0
    var description: String {
        "\(scripts) scripts: \(completed) completed, \(failed) failed, \(exited) exited, in \(String(format: "%.2f", seconds)) s"
    }
}

/// One batch: chains of scripts, each chain in one session so that state carries over. Half the
/// scripts are generated, half are mutations of seed scripts or of generated ones; one in a
/// hundred is nested deeply.
struct FuzzRun {
    let seed: UInt64
    let batch: Int
    let sandbox: String
    let trace = FuzzTests.environment["HONE_FUZZ_TRACE"] != nil

    static func makeSession() -> Session {
        let session = Session(registry: FuzzTests.registry, output: CapturedOutput(), interrupt: InterruptFlag())
        session.limits.maxStatements = 10_000
        session.limits.maxListCount = 1_000
        session.limits.maxStringBytes = 4_096
        return session
    }

    func run(count: Int) throws -> FuzzReport {
        var rng = SplitMix64(seed: seed)
        var generator = ScriptGenerator(seed: rng.next(), registry: FuzzTests.registry)
        var mutator = ScriptMutator(registry: FuzzTests.registry)
        let watchdog = Watchdog(limit: FuzzTests.hangLimit)
        defer { watchdog.stop() }
        var report = FuzzReport()
        let start = ContinuousClock.now

        while report.scripts < count {
            let session = Self.makeSession()
            var chain: [String] = []
            for _ in 0..<rng.between(1, 5) {
                let script: String
                switch rng.below(100) {
                case 0: script = generator.deeplyNested(depth: rng.pick([20, 60, 200, 1_000, 5_000]))
                case 1..<50: script = generator.script(names: session.variableNames)
                case 50..<80: script = mutator.mutate(rng.pick(FuzzTests.seedScripts), rng: &rng)
                default: script = mutator.mutate(generator.script(names: session.variableNames), rng: &rng)
                }
                chain.append(script)
                let label = "HONE_FUZZ_SEED=\(String(FuzzTests.seed, radix: 16)) batch \(batch) script \(report.scripts)"
                if trace { FileHandle.standardError.write(Data("--- \(label)\n\(script)\n".utf8)) }

                let source = SourceFile(name: "<fuzz>", text: script, directory: sandbox)
                let allowMoreInput = rng.chance(0.2)
                if rng.chance(0.01) { session.interrupt.raise() }
                watchdog.begin(label + ":\n" + script)
                let outcome = Interpreter(session: session).runEntry(source, allowMoreInput: allowMoreInput)
                watchdog.end()
                _ = session.interrupt.consume()
                (session.output as? CapturedOutput)?.clear()

                report.scripts += 1
                switch outcome {
                case .completed: report.completed += 1
                case .exit: report.exited += 1
                case .failed: report.failed += 1
                case .needsMoreInput: break
                }
                let problems = Self.problems(with: outcome, for: source, allowMoreInput: allowMoreInput)
                if !problems.isEmpty {
                    func shown(_ text: String) -> String {
                        text.count <= 4_000 ? text : text.prefix(4_000) + "… (\(text.count - 4_000) more characters; rerun the seed)"
                    }
                    let earlier = chain.dropLast().enumerated().map { "--- earlier script \($0.offset + 1) in this session:\n\(shown($0.element))" }
                    Issue.record(Comment(rawValue: """
                        \(label): \(shown(problems.joined(separator: "; ")))
                        \(earlier.joined(separator: "\n"))
                        --- script:
                        \(shown(script))
                        --- as a Swift literal: \(shown(script.debugDescription))
                        """))
                }
            }
        }
        report.seconds = (ContinuousClock.now - start).secondsValue
        return report
    }

    /// What is wrong with an outcome: an error without a position or with one outside its
    /// source, no errors at all, or unfinished input where none is allowed. The errors are also
    /// rendered (the first twenty, as a run of stray `}` gives one each), which must not crash.
    static func problems(with outcome: EntryOutcome, for source: SourceFile, allowMoreInput: Bool = false) -> [String] {
        var problems: [String] = []
        switch outcome {
        case .completed(let value):
            _ = value.repr
        case .exit:
            break
        case .needsMoreInput:
            if !allowMoreInput { problems.append("asked for more input") }
        case .failed(let errors):
            if errors.isEmpty { problems.append("failed with no errors") }
            for (i, error) in errors.enumerated() {
                if i < 20 {
                    _ = DiagnosticRenderer().render(error)
                    _ = DiagnosticRenderer(useColor: true).render(error)
                }
                guard let range = error.range else {
                    problems.append("error without a position: \(error.message)")
                    continue
                }
                let ranges = [range] + error.notes.compactMap(\.range)
                for r in ranges where !(0 <= r.start && r.start <= r.end && r.end <= r.file.bytes.count) {
                    problems.append("range \(r.start)..<\(r.end) outside \(r.file.name) (\(r.file.bytes.count) bytes): \(error.message)")
                }
                if error.message.isEmpty { problems.append("an error with an empty message") }
            }
        }
        return problems
    }
}

/// `history save`, writing only inside the directory the fuzz test gave it, so that a script
/// that reaches for `/` or `~` cannot litter the machine.
enum ConfinedHistorySave: Command {
    @TaskLocal static var directory: String?

    static var spec: CommandSpec { HistorySaveCommand.spec }

    static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let path = URL(fileURLWithPath: context.resolve(path: arguments[HistorySaveCommand.file])).standardized.path
        guard let directory, path.hasPrefix(directory + "/") else {
            throw HoneError(.io, "the fuzz test writes only inside its own directory", at: arguments.range(of: HistorySaveCommand.file))
        }
        return try HistorySaveCommand.run(arguments, in: context)
    }
}

/// Stops the process, printing what was running, when one script runs past `limit`: a hang
/// would otherwise stall the test run with nothing to show for it.
final class Watchdog: Sendable {
    private let running = Mutex<(label: String, since: ContinuousClock.Instant)?>(nil)
    private let stopped = Atomic<Bool>(false)

    init(limit: Duration) {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: 0.2)
                guard let (label, since) = running.withLock({ $0 }), ContinuousClock.now - since > limit else { continue }
                FileHandle.standardError.write(Data("fuzz: still running after \(limit): \(label)\n".utf8))
                fatalError("fuzz: a script hung")
            }
        }
        thread.start()
    }

    func begin(_ label: String) { running.withLock { $0 = (label, ContinuousClock.now) } }
    func end() { running.withLock { $0 = nil } }
    func stop() { stopped.store(true, ordering: .relaxed) }
}
