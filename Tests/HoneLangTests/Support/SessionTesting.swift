@testable import HoneLang

/// What command tests share: a session that captures its output and has its own Ctrl-C flag,
/// and running a text in it as one entry.
protocol SessionTesting {}

extension SessionTesting {
    func session() -> (Session, Interpreter, CapturedOutput) {
        let output = CapturedOutput()
        let session = Session(output: output, interrupt: InterruptFlag())
        return (session, Interpreter(session: session), output)
    }

    func run(_ interpreter: Interpreter, _ text: String) -> EntryOutcome {
        interpreter.runEntry(SourceFile(name: "<test>", text: text))
    }
}
