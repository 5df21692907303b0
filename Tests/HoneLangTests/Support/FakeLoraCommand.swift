@testable import HoneLang

/// A stand-in with the argument shapes later commands use (numbers, word lists, flags, clauses),
/// so the binder's rules are tested before those commands exist. It returns what it was given.
enum FakeLoraCommand: Command {
    static let r = Arg<Int>.option("r", .int(1...4096), default: .int(8), help: "rank")
    static let alpha = Arg<Double>.option("alpha", .float(0...10_000), default: .float(16), help: "scale numerator")
    static let targets = Arg<[String]>.option("targets", .list(.word), default: .strings(["q_proj", "v_proj"]), help: "modules")
    static let rslora = Arg<Bool>.option("rslora", .bool, default: .bool(false), help: "alpha/sqrt(r)")
    static let mode = Arg<String>.option("init", .choice(["kaiming", "gaussian", "pissa"]), default: .string("kaiming"), help: "initialisation")
    static let name = Arg<String>.clause("as", .name, help: "adapter name")
    static let data = Arg<Value>.clause("on", .value, help: "data")

    static let spec = CommandSpec(
        ["lora"], summary: "fake lora for tests", category: .session,
        arguments: [r.spec, alpha.spec, targets.spec, rslora.spec, mode.spec, name.spec, data.spec])

    static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        .record(Record("lora", [
            ("r", .int(arguments[r])), ("alpha", .float(arguments[alpha])),
            ("targets", .list(arguments[targets].map(Value.string))), ("rslora", .bool(arguments[rslora])),
            ("init", .string(arguments[mode])), ("name", arguments.optional(name).map(Value.string) ?? .none),
            ("on", arguments.optional(data) ?? .none),
        ]))
    }
}

enum FakeShowDataCommand: Command {
    static let spec = CommandSpec(["show", "data"], summary: "fake two-word command", category: .session)
    static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value { .string("data") }
}

extension CommandRegistry {
    static let testing = CommandRegistry(CommandRegistry.builtins.filter { $0.spec.name != "lora" && $0.spec.name != "show data" } + [FakeLoraCommand.self, FakeShowDataCommand.self])
}

/// Runs `text` in a fresh session; returns the outcome and what was printed.
func runScript(_ text: String, registry: CommandRegistry = .testing, session: Session? = nil) -> (EntryOutcome, String, Session) {
    let output = CapturedOutput()
    let session = session ?? Session(registry: registry, output: output, interrupt: InterruptFlag())
    session.output = output
    let outcome = Interpreter(session: session).runEntry(SourceFile(name: "<test>", text: text))
    return (outcome, output.text, session)
}

extension EntryOutcome {
    var value: Value? { if case .completed(let v) = self { v } else { nil } }
    var errors: [HoneError] { if case .failed(let e) = self { e } else { [] } }
    var firstMessage: String? { errors.first?.message }
}
