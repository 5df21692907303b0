import Foundation
import Testing

/// The shared model files (`../shared/models` beside the package checkout), found relative to
/// this source file. Tests that need them are skipped, with `SharedModels.missingReason`, when
/// the directory is absent; in CI it is present.
enum SharedModels {
    /// `…/shared/models`, whether or not it exists.
    static let directory: String = {
        let file = URL(fileURLWithPath: #filePath)  // …/main/Tests/HoneModelsTests/SharedModels.swift
        let package = file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.deletingLastPathComponent().appendingPathComponent("shared/models").path
    }()

    /// Whether `relative` exists under the shared models directory.
    static func has(_ relative: String) -> Bool {
        let found = FileManager.default.fileExists(atPath: path(relative))
        if !found { print("skipping: \(path(relative)) is absent (the shared models are not checked out beside the package)") }
        return found
    }

    static func path(_ relative: String) -> String { directory + "/" + relative }

    static func missingReason(_ relative: String) -> Comment {
        "\(path(relative)) is absent: the shared models are not checked out beside the package"
    }

    /// The parsed JSON at `relative`.
    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}
