import Foundation

/// The kernel.json Jupyter reads to start hone: `hone kernel -f {connection_file}`, stopped
/// by SIGINT (which raises the session's interrupt flag, as Ctrl-C does in the REPL).
struct KernelSpec {
    var executable: String

    var json: [String: Any] {
        [
            "argv": [executable, "kernel", "-f", "{connection_file}"],
            "display_name": "hone",
            "language": "hone",
            "interrupt_mode": "signal",
        ]
    }

    func write(into folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: folder).appendingPathComponent("kernel.json"), options: .atomic)
    }

    /// Where the spec goes: Jupyter's kernels folder under a prefix, or the user's data folder.
    static func folder(user: Bool, prefix: String?, environment: [String: String]) -> String {
        let base: String
        if let prefix {
            base = prefix + "/share/jupyter"
        } else if user {
            if let data = environment["JUPYTER_DATA_DIR"], !data.isEmpty {
                base = data
            } else {
                #if os(macOS)
                base = NSHomeDirectory() + "/Library/Jupyter"
                #else
                let xdg = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.local/share"
                base = xdg + "/jupyter"
                #endif
            }
        } else {
            base = "/usr/local/share/jupyter"
        }
        return base + "/kernels/hone"
    }

    /// The absolute path of the running hone, so that Jupyter starts this same binary.
    static func currentExecutable() -> String {
        let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}
