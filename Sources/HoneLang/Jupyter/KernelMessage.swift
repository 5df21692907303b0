import Foundation

/// One Jupyter message (messaging protocol 5.3) and its wire form:
/// `identities… <IDS|MSG> signature header parent_header metadata content buffers…`,
/// the four dictionaries as JSON. It lives here, not in `hone`, so that hone-fuzz's
/// `jupyter-message` target decodes with the kernel's own code.
public struct KernelMessage {
    public typealias JSON = [String: Any]

    public var identities: [[UInt8]] = []
    public var header: JSON
    public var parentHeader: JSON = [:]
    public var metadata: JSON = [:]
    public var content: JSON = [:]

    public static let delimiter = Array("<IDS|MSG>".utf8)
    public static let protocolVersion = "5.3"

    public var type: String { header["msg_type"] as? String ?? "" }

    /// Why a received message was dropped.
    public enum DecodeError: Error, CustomStringConvertible {
        case noDelimiter, tooFewFrames, badSignature, invalidJSON(String)
        public var description: String {
            switch self {
            case .noDelimiter: return "no <IDS|MSG> delimiter"
            case .tooFewFrames: return "fewer than the five frames after <IDS|MSG>"
            case .badSignature: return "bad HMAC signature"
            case .invalidJSON(let frame): return "the \(frame) frame is not a JSON object"
            }
        }
    }

    /// Reads the frames of a received message, checking the signature over the raw frames.
    public init(frames: [[UInt8]], signer: MessageSigner) throws {
        guard let split = frames.firstIndex(of: Self.delimiter) else { throw DecodeError.noDelimiter }
        let rest = Array(frames[(split + 1)...])
        guard rest.count >= 5 else { throw DecodeError.tooFewFrames }
        guard signer.isValid(rest[0], for: Array(rest[1...4])) else { throw DecodeError.badSignature }
        func object(_ frame: [UInt8], _ name: String) throws -> JSON {
            guard let value = try? JSONSerialization.jsonObject(with: Data(frame)), let json = value as? JSON else {
                throw DecodeError.invalidJSON(name)
            }
            return json
        }
        identities = Array(frames[..<split])
        header = try object(rest[1], "header")
        parentHeader = try object(rest[2], "parent_header")
        metadata = try object(rest[3], "metadata")
        content = try object(rest[4], "content")
    }

    /// A new message of `type` answering `parent` (whose identities it goes back to), or none.
    public init(type: String, content: JSON, parent: KernelMessage?, session: String) {
        header = [
            "msg_id": UUID().uuidString.lowercased(),
            "session": session,
            "username": "hone",
            "date": Self.timestamp(),
            "msg_type": type,
            "version": Self.protocolVersion,
        ]
        parentHeader = parent?.header ?? [:]
        identities = parent?.identities ?? []
        self.content = content
    }

    public func frames(signer: MessageSigner) -> [[UInt8]] {
        let parts = [header, parentHeader, metadata, content].map { Self.encode($0) }
        return identities + [Self.delimiter, Array(signer.signature(of: parts).utf8)] + parts
    }

    public static func encode(_ json: JSON) -> [UInt8] {
        // Values are always plain JSON, so serialisation cannot fail; `{}` keeps the frame valid.
        (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])).map(Array.init) ?? Array("{}".utf8)
    }

    public static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
