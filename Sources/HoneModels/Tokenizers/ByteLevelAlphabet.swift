/// GPT-2's byte-level alphabet: every byte gets a printable Unicode character so that BPE pieces
/// are ordinary strings. Bytes that are already printable and not spaces (`!`…`~`, `¡`…`¬`,
/// `®`…`ÿ`) stand for themselves; the other 68 take U+0100, U+0101, … in byte order (so a space,
/// byte 0x20, is `Ġ` U+0120 and a newline `Ċ` U+010A).
enum ByteLevelAlphabet {
    /// The character for each byte.
    static let characters: [Unicode.Scalar] = {
        var result = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte) {
                result[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                result[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return result
    }()

    /// The byte for each character of the alphabet.
    static let bytes: [Unicode.Scalar: UInt8] = {
        var result: [Unicode.Scalar: UInt8] = [:]
        for (byte, character) in characters.enumerated() { result[character] = UInt8(byte) }
        return result
    }()

    /// `text`'s UTF-8 bytes written in the alphabet (how a piece is spelled in vocab.json).
    static func encode(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for byte in text.utf8 { result.append(characters[Int(byte)]) }
        return String(result)
    }

    /// The bytes a piece spells; characters outside the alphabet (in added tokens) stand for
    /// their own UTF-8.
    static func decode(_ piece: String) -> [UInt8] {
        var result: [UInt8] = []
        for scalar in piece.unicodeScalars {
            if let byte = bytes[scalar] { result.append(byte) } else { result += Array(String(scalar).utf8) }
        }
        return result
    }
}
