import Foundation

/// Path helpers shared by `run`, `history save` and the notebook runner.
public enum FileSystemPath {
    public static func currentDirectory() -> String {
        FileManager.default.currentDirectoryPath
    }

    /// Resolves `path` against `directory` unless it is absolute; expands a leading `~`.
    public static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("~/") || path == "~" {
            let home = ProcessInfo.processInfo.environment["HOME"] ?? "/"
            return home + String(path.dropFirst())
        }
        if path.hasPrefix("/") { return path }
        if directory.hasSuffix("/") { return directory + path }
        return directory + "/" + path
    }
}
