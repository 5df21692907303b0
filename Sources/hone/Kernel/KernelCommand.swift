import ArgumentParser
import Foundation
import HoneLang

/// `hone kernel …`: run as a Jupyter kernel, or install its kernel spec. `main.swift` hands
/// over to it when the first argument is `kernel`.
struct KernelCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hone kernel",
        abstract: "Run hone as a Jupyter kernel, or install its kernel spec.",
        subcommands: [KernelRun.self, KernelInstall.self],
        defaultSubcommand: KernelRun.self)
}

struct KernelRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve Jupyter's messaging protocol (5.3) on the ports of a connection file.",
        discussion: "Jupyter starts this through the kernel spec that `hone kernel install` writes.")

    @Option(name: .customShort("f"), help: ArgumentHelp("The connection file Jupyter wrote.", valueName: "CONNECTION_FILE"))
    var connectionFile: String

    func run() throws {
        let connection: ConnectionFile
        let kernel: Kernel
        do {
            connection = try ConnectionFile.load(connectionFile)
            kernel = try Kernel(connection: connection)
        } catch {
            FileHandle.standardError.write(Data("hone: error: \(error)\n".utf8))
            throw ExitCode(66)
        }
        Signals.installKernelInterruptHandler()
        kernel.run()
    }
}

struct KernelInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Write the kernel spec (kernel.json) where Jupyter finds it.",
        discussion: """
            By default into /usr/local/share/jupyter/kernels/hone; --user writes into the user's \
            Jupyter data folder ($JUPYTER_DATA_DIR, or ~/.local/share/jupyter), --prefix DIR into \
            DIR/share/jupyter/kernels/hone.
            """)

    @Flag(name: .long, help: "Install for the current user only.")
    var user = false

    @Option(name: .long, help: ArgumentHelp("Install under DIR/share/jupyter/kernels.", valueName: "DIR"))
    var prefix: String?

    func validate() throws {
        if user && prefix != nil { throw ValidationError("give either --user or --prefix DIR, not both") }
    }

    func run() throws {
        let spec = KernelSpec(executable: KernelSpec.currentExecutable())
        let folder = KernelSpec.folder(user: user, prefix: prefix, environment: ProcessInfo.processInfo.environment)
        do {
            try spec.write(into: folder)
        } catch {
            FileHandle.standardError.write(Data("hone: error: cannot write the kernel spec into `\(folder)`: \(error)\n".utf8))
            throw ExitCode(73)
        }
        print("installed the hone kernel spec in \(folder)")
    }
}
