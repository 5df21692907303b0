import Crypto
import Foundation

/// Signs and checks Jupyter messages: the lowercase hex HMAC-SHA256, under the connection file's
/// key, of the header, parent header, metadata and content frames in that order. An empty key
/// turns signing off: messages go out with an empty signature and any signature is accepted.
public struct MessageSigner {
    private let key: SymmetricKey?

    public init(key: String) {
        self.key = key.isEmpty ? nil : SymmetricKey(data: Array(key.utf8))
    }

    public var isSigning: Bool { key != nil }

    public func signature(of frames: [[UInt8]]) -> String {
        guard let key else { return "" }
        var mac = HMAC<SHA256>(key: key)
        for frame in frames { mac.update(data: frame) }
        return Data(mac.finalize()).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares in constant time, so the check leaks nothing about the right signature.
    public func isValid(_ signature: [UInt8], for frames: [[UInt8]]) -> Bool {
        guard key != nil else { return true }
        let expected = Array(self.signature(of: frames).utf8)
        guard expected.count == signature.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, signature) { difference |= a ^ b }
        return difference == 0
    }
}
