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
            notebook (.md, whose ```hone blocks are cells). Standard input that is not a terminal is \
            read as a script. Exit status: 0 on success, 64 for bad usage, 65 for an error in a \
            script's text, 70 for a command that failed, 130 when interrupted.
            """,
        version: HoneVersion.string)

    @Option(name: .customShort("c"), help: ArgumentHelp("Run COMMANDS (separated by `;` or newlines).", valueName: "COMMANDS"))
    var commands: String?

    @Flag(name: .long, help: "Write each notebook cell's output into an ```output block beneath it.")
    var update = false

    @Flag(name: .long, help: "Run a notebook's ```sh step blocks (in its folder) when they are reached, instead of stopping before the first.")
    var shellSteps = false

    @Argument(help: ArgumentHelp("Scripts (.hone) or notebooks (.md) to run in order, in one session.", valueName: "FILE"))
    var files: [String] = []

    func validate() throws {
        if update && files.isEmpty { throw ValidationError("--update needs a notebook: hone --update FILE.md") }
        if update, let bad = files.first(where: { !$0.hasSuffix(".md") }) {
            throw ValidationError("--update rewrites notebooks (.md files); `\(bad)` is not one")
        }
        if commands != nil && !files.isEmpty { throw ValidationError("give either -c COMMANDS or FILEs, not both") }
    }

    func run() throws {
        Signals.installInterruptHandler()
        let frontEnd = FrontEnd()
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

// `hone kernel …` has its own commands; a script named `kernel` runs as `hone ./kernel`.
if CommandLine.arguments.dropFirst().first == "kernel" {
    KernelCLI.main(Array(CommandLine.arguments.dropFirst(2)))
} else {
    HoneCLI.main()
}
