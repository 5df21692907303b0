import Foundation

/// How one entry (a REPL line, a script, a notebook cell, a `-c` string) ended.
public enum EntryOutcome {
    case completed(Value)
    /// The text ends inside a block, string or continued line: the REPL asks for more.
    case needsMoreInput
    /// Errors found before running (nothing ran), or the one error that stopped the run.
    case failed([HoneError])
    case exit(Int32)

    /// The process exit status a script gets for this outcome: 65 for an error in the script's
    /// text, 70 for a command that failed while running, 130 for an interruption.
    public var exitStatus: Int32 {
        switch self {
        case .completed: return 0
        case .needsMoreInput: return 65
        case .exit(let status): return status
        case .failed(let errors):
            if errors.contains(where: { $0.code == .interrupted }) { return 130 }
            return errors.contains(where: \.isRuntime) ? 70 : 65
        }
    }
}

extension Interpreter {
    /// Runs one entry as a whole, never throwing: the front ends only render the outcome.
    /// With `allowMoreInput`, unfinished text reports `.needsMoreInput` instead of an error.
    public func runEntry(_ source: SourceFile, allowMoreInput: Bool = false, recordHistory: Bool = true) -> EntryOutcome {
        let outcome: EntryOutcome
        do {
            outcome = .completed(try run(source))
        } catch let list as HoneErrorList {
            if allowMoreInput && list.needsMoreInput { return .needsMoreInput }
            outcome = .failed(list.errors)
        } catch var error as HoneError {
            error.isRuntime = true
            outcome = .failed([error])
        } catch let exit as ExitRequest {
            outcome = .exit(exit.status)
        } catch {
            var failure = HoneError(.failed, "unexpected failure: \(error)")
            failure.isRuntime = true
            outcome = .failed([failure])
        }
        if recordHistory {
            let text = source.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty {
                var succeeded = true
                if case .failed = outcome { succeeded = false }
                session.recordHistory(text, succeeded: succeeded)
            }
        }
        return outcome
    }
}
