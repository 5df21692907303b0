import Foundation

/// The `hone` binary the tests drive: `HONE_BIN` (set by scripts/test), else the `hone` built
/// beside this test bundle; nil when neither exists, and the tests that need it are skipped.
enum HoneBinary {
    static let path: String? = {
        if let path = ProcessInfo.processInfo.environment["HONE_BIN"], FileManager.default.isExecutableFile(atPath: path) { return path }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("hone").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : nil
    }()
}
