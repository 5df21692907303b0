import Foundation
import HoneTrain

/// A data set as the language sees it: a session object named in commands (`train stories.train`)
/// and with fields for scripts (`d.count`, `d.format`).
public final class DataSetHandle: SessionObject, @unchecked Sendable {
    public let name: String
    public let data: DataSet

    public init(name: String, data: DataSet) {
        self.name = name
        self.data = data
    }

    public var typeName: String { "data" }

    public var summary: String {
        "data \(name): \(data.count) \(data.format.rawValue) record\(data.count == 1 ? "" : "s") from \(data.file)"
    }

    public var fieldNames: [String] { ["name", "count", "format", "path"] }

    public func field(_ name: String) -> Value? {
        switch name {
        case "name": .string(self.name)
        case "count": .int(data.count)
        case "format": .string(data.format.rawValue)
        case "path": .string(data.file)
        default: nil
        }
    }
}
