import Foundation

/// What `snapshot save` writes as `manifest.json`, last, after every file it names: a snapshot
/// folder without one is incomplete. Files are named by the SHA-256 of their bytes and kept
/// once in the snapshots folder's `blobs/`, so snapshots that share an adapter or a data set
/// share its bytes.
struct SnapshotManifest: Codable {
    static let fileName = "manifest.json"
    static let currentVersion = 1

    var version = currentVersion
    var created: Date
    var honeVersion: String
    var options: [String: SnapshotValue]
    var variables: [Variable]
    var models: [Model]
    var currentModel: String?
    var dataSets: [DataSetEntry]
    var runs: [RunReference]
    /// Whether `train … snapshot=true` took it (`snapshot restore last` picks the newest such).
    var automatic: Bool

    struct Variable: Codable {
        var name: String
        var value: SnapshotValue
    }

    /// A model loaded from a file or the hub: referenced by its path and content hash, never
    /// copied. Its adapters are stored; a base quantised in the session is quantised again.
    struct Model: Codable {
        var name: String
        var source: String
        var path: String
        var sha256: String
        var template: String?
        var quantization: String?
        var adapters: [Adapter]
        var activeAdapter: String?
        var adaptersEnabled: Bool
    }

    struct Adapter: Codable {
        var name: String
        /// The PEFT folder's files, by name, as blobs.
        var files: [String: String]
    }

    struct DataSetEntry: Codable {
        var name: String
        var file: String
        var format: String
        var lines: [Int]
        /// The records as JSON Lines, a blob.
        var blob: String
    }

    struct RunReference: Codable {
        var name: String
        var path: String
    }
}

/// A value of the language as JSON. Session objects are kept by kind and name and found again
/// among the restored models, data sets and runs.
indirect enum SnapshotValue: Codable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([SnapshotValue])
    case record(type: String, fields: [Field])
    case object(kind: String, name: String)

    struct Field: Codable, Equatable {
        var name: String
        var value: SnapshotValue
    }
}
