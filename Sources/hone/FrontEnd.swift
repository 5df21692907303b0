import Foundation
import HoneLang

/// What the REPL, scripts and notebooks share: one session, one interpreter, one renderer.
final class FrontEnd {
    let session: Session
    let interpreter: Interpreter
    let renderer: DiagnosticRenderer

    init() {
        session = Session()
        interpreter = Interpreter(session: session)
        renderer = DiagnosticRenderer(useColor: isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
    }

    func report(_ errors: [HoneError]) {
        for error in errors { FileHandle.standardError.write(Data(renderer.render(error).utf8)) }
    }

    /// Runs a script; returns its exit status.
    func runScript(_ source: SourceFile) -> Int32 {
        let outcome = interpreter.runEntry(source)
        if case .failed(let errors) = outcome { report(errors) }
        return outcome.exitStatus
    }

    func runFiles(_ paths: [String], update: Bool, shellSteps: Bool = false) -> Int32 {
        for path in paths {
            let status: Int32
            if path.hasSuffix(".md") {
                status = runNotebook(path, update: update, shellSteps: shellSteps)
            } else if path.hasSuffix(".ipynb") {
                status = runJupyterNotebook(path, update: update, shellSteps: shellSteps)
            } else {
                guard let text = read(path) else { return 66 }
                status = runScript(SourceFile(name: path, text: text))
            }
            if status != 0 { return status }
        }
        return 0
    }

    func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("hone: error: cannot read `\(path)`: no such file or not readable\n".utf8))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            FileHandle.standardError.write(Data("hone: error: `\(path)` is not UTF-8 text\n".utf8))
            return nil
        }
        return text
    }

    func runNotebook(_ path: String, update: Bool, shellSteps: Bool = false) -> Int32 {
        guard let text = read(path) else { return 66 }
        let notebook = Notebook(path: path, text: text)
        return run(notebook, shellSteps: shellSteps, update: update ? { try notebook.write($0) } : nil)
    }

    /// Runs a `.ipynb` notebook in its Markdown form; `update` writes the outputs into its code cells.
    func runJupyterNotebook(_ path: String, update: Bool, shellSteps: Bool = false) -> Int32 {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("hone: error: cannot read `\(path)`: no such file or not readable\n".utf8))
            return 66
        }
        let jupyter: IPYNB
        do {
            jupyter = try IPYNB(path: path, data: data)
        } catch {
            FileHandle.standardError.write(Data("hone: error: \(error)\n".utf8))
            return 65
        }
        let runnable = jupyter.runnable(path: path)
        return run(runnable.notebook, shellSteps: shellSteps, update: update ? { result in
            try jupyter.updated(with: result, of: runnable).write(to: path, unlessEqualTo: data)
        } : nil)
    }

    /// Runs a notebook; with `update`, writes its outputs back with that function.
    func run(_ notebook: Notebook, shellSteps: Bool, update: ((Notebook.Result) throws -> Void)?) -> Int32 {
        let path = notebook.path
        let folder = SourceFile.directoryOf(path: path)
        let result = notebook.run(in: interpreter, echo: update == nil, shellStep: shellSteps ? { step in
            Self.runShellStep(step, in: folder, place: notebook.location(ofLine: step.openLine))
        } : nil)
        if let line = result.stoppedBeforeShellStep {
            FileHandle.standardError.write(Data("hone: \(notebook.location(ofLine: line - 1)): stopped before this shell step, which the reader runs; `hone --shell-steps \(path)` runs it too and goes on\n".utf8))
        }
        if let update {
            do {
                try update(result)
            } catch {
                FileHandle.standardError.write(Data("hone: error: cannot write `\(path)`: \(error)\n".utf8))
                return 73
            }
        }
        if !result.errors.isEmpty { report(result.errors) }
        return result.exitStatus
    }
}

extension FrontEnd {
    /// Runs a notebook's shell step with `/bin/sh -e` in the notebook's folder, its output
    /// going straight to this process's.
    static func runShellStep(_ step: Notebook.ShellStep, in folder: String, place: String) -> Int32 {
        FileHandle.standardError.write(Data("hone: \(place): running the shell step\n".utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-e", "-c", step.code]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.isEmpty ? "." : folder)
        do {
            try process.run()
        } catch {
            FileHandle.standardError.write(Data("hone: error: cannot start /bin/sh for the shell step at \(place): \(error)\n".utf8))
            return 70
        }
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            FileHandle.standardError.write(Data("hone: error: the shell step at \(place) exited with status \(process.terminationStatus)\n".utf8))
            return 70
        }
        return 0
    }
}

