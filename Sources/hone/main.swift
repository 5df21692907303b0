import ArgumentParser
import Foundation
import HoneLang

/// `hone`: the REPL on a terminal, scripts and notebooks otherwise.
struct HoneCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hone",
        abstract: "A REPL and scripting language for fine-tuning language models.",
        discussion: """
            With no arguments on a terminal, hone starts its REPL. FILE may be a script (.hone) or a \
            notebook (.md, whose ```hone blocks are cells, or a Jupyter .ipynb). `hone convert FILE --to \
            ipynb|md` converts a notebook between the two forms. Standard input that is not a terminal is \
            read as a script. Exit status: 0 on success, 64 for bad usage, 65 for an error in a \
            script's text, 70 for a command that failed, 130 when interrupted.
            """,
        version: HoneVersion.string)

    @Option(name: .customShort("c"), help: ArgumentHelp("Run COMMANDS (separated by `;` or newlines).", valueName: "COMMANDS"))
    var commands: String?

    @Flag(name: .long, help: "Write each notebook cell's output into an ```output block beneath it (into the cell's outputs in a .ipynb).")
    var update = false

    @Flag(name: .long, help: "Run a notebook's ```sh step blocks (in its folder) when they are reached, instead of stopping before the first.")
    var shellSteps = false

    @Option(name: .long, help: ArgumentHelp("Start from snapshot NAME (in ./snapshots, or SNAPSHOTS_DIR), as `snapshot restore NAME` does, then run the REPL or the FILEs.", valueName: "NAME"))
    var restore: String?

    @Argument(help: ArgumentHelp("Scripts (.hone) or notebooks (.md, .ipynb) to run in order, in one session.", valueName: "FILE"))
    var files: [String] = []

    func validate() throws {
        if update && files.isEmpty { throw ValidationError("--update needs a notebook: hone --update FILE.md") }
        if update, let bad = files.first(where: { !$0.hasSuffix(".md") && !$0.hasSuffix(".ipynb") }) {
            throw ValidationError("--update rewrites notebooks (.md or .ipynb files); `\(bad)` is not one")
        }
        if commands != nil && !files.isEmpty { throw ValidationError("give either -c COMMANDS or FILEs, not both") }
    }

    func run() throws {
        Signals.installInterruptHandler()
        let frontEnd = FrontEnd()
        if let restore {
            if let dir = ProcessInfo.processInfo.environment["SNAPSHOTS_DIR"], !dir.isEmpty {
                frontEnd.session.setOption("snapshots_dir", .string(dir))
            }
            let outcome = frontEnd.interpreter.runEntry(SourceFile(name: "<--restore>", text: "snapshot restore " + ChatLine.quoted(restore)), recordHistory: false)
            if case .failed(let errors) = outcome {
                frontEnd.report(errors)
                throw ExitCode(outcome.exitStatus)
            }
        }
        let status: Int32
        if let commands {
            status = frontEnd.runScript(SourceFile(name: "<command-line>", text: commands))
        } else if !files.isEmpty {
            status = frontEnd.runFiles(files, update: update, shellSteps: shellSteps)
        } else if isatty(STDIN_FILENO) != 0 {
            status = REPL(frontEnd: frontEnd).run()
        } else {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            status = frontEnd.runScript(SourceFile(name: "<stdin>", text: String(decoding: data, as: UTF8.self)))
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// `hone convert FILE --to ipynb|md`: a notebook from one form to the other.
struct ConvertCommand: ParsableCommand {
    enum Form: String, ExpressibleByArgument, CaseIterable {
        case ipynb, md
    }

    static let configuration = CommandConfiguration(
        commandName: "hone convert",
        abstract: "Convert a notebook between Markdown (.md) and Jupyter (.ipynb, nbformat 4.5).",
        discussion: """
            Prose, hone cells and their outputs are kept; a ```sh step block becomes a Markdown cell \
            showing the command, and converts back to the same block. The result is written beside \
            FILE with the new extension, or to --output (`-` for standard output).
            """)

    @Argument(help: ArgumentHelp("The notebook to convert (.md or .ipynb).", valueName: "FILE"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("The form to convert to.", valueName: "FORM"))
    var to: Form

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the result (`-` for standard output).", valueName: "PATH"))
    var output: String?

    var from: Form? { file.hasSuffix(".md") ? .md : file.hasSuffix(".ipynb") ? .ipynb : nil }

    func validate() throws {
        guard let from else { throw ValidationError("`\(file)` is neither a Markdown notebook (.md) nor a Jupyter one (.ipynb)") }
        if from == to { throw ValidationError("`\(file)` is already a .\(to.rawValue) notebook") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("hone: error: cannot read `\(file)`: no such file or not readable\n".utf8))
            throw ExitCode(66)
        }
        let text: String
        switch to {
        case .ipynb:
            guard let markdown = String(data: data, encoding: .utf8) else {
                FileHandle.standardError.write(Data("hone: error: `\(file)` is not UTF-8 text\n".utf8))
                throw ExitCode(65)
            }
            text = IPYNB(markdown: markdown).text
        case .md:
            do {
                text = try IPYNB(path: file, data: data).markdown
            } catch {
                FileHandle.standardError.write(Data("hone: error: \(error)\n".utf8))
                throw ExitCode(65)
            }
        }
        let target = output ?? String(file.dropLast(from == .md ? 2 : 5)) + to.rawValue
        if target == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try IPYNB.writeAtomically(text, to: target)
        } catch {
            FileHandle.standardError.write(Data("hone: error: cannot write `\(target)`: \(error)\n".utf8))
            throw ExitCode(73)
        }
    }
}

// `hone convert …` and `hone kernel …` have their own commands; every other command line runs
// files as before (a script named `convert` or `kernel` runs as `./convert`, `./kernel`).
switch CommandLine.arguments.dropFirst().first {
case "convert": ConvertCommand.main(Array(CommandLine.arguments.dropFirst(2)))
case "kernel": KernelCLI.main(Array(CommandLine.arguments.dropFirst(2)))
default: HoneCLI.main()
}
