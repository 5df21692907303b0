import Foundation

/// The models that ship with hone (`models/NAME` in the checkout), found by name from any
/// directory: `load model hone-tiny`. The checkout is HONE_ROOT when set (scripts/hone sets
/// it), else the one this file was compiled from, else the one holding the executable
/// (`.build/release/hone` is three folders down).
public enum BundledModels {
    public static let names = ["hone-tiny"]

    /// The directory of bundled model `name`, when it is one and exists.
    public static func path(of name: String) -> String? {
        guard names.contains(name) else { return nil }
        return roots().map { $0 + "/models/" + name }.first { FileManager.default.fileExists(atPath: $0 + "/config.json") }
    }

    static func roots() -> [String] {
        var roots: [String] = []
        if let root = ProcessInfo.processInfo.environment["HONE_ROOT"], !root.isEmpty { roots.append(root) }
        // …/Sources/HoneLang/Runtime/BundledModels.swift → the checkout.
        roots.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path)
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            roots.append(folder.path)
            folder = folder.deletingLastPathComponent()
        }
        return roots
    }
}
