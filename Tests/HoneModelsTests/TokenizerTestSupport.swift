import Foundation
@testable import HoneModels

/// Seeded random text for round-trip tests: ASCII words and punctuation, accented Latin, CJK,
/// emoji (with a ZWJ sequence), digits, newlines, tabs and runs of spaces.
struct RandomText {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {  // SplitMix64
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    static let fragments: [String] = [
        "the", "Once", "upon", "a", "time", "Lily", "don't", "we'll", "it's", "GPT-2", "naïve", "café", "Ærøskøbing",
        "日本語", "中文", "테스트", "🙂", "👩‍💻", "🇫🇷", "42", "3.14", "½", "ⅻ", "!", "?!", "...", "\"", "'", "(x)", "<s>",
        "Ωmega", "Straße", "\u{0301}", "é", "ﬁ", "\u{00A0}", "\u{3000}", "—", "#", "$100", "<|endoftext|>",
    ]
    static let separators: [String] = [" ", " ", " ", "  ", "\n", "\n\n", "\t", " \n", "", "   "]

    mutating func text(words: Int) -> String {
        var result = ""
        for _ in 0..<words {
            result += Self.fragments[int(Self.fragments.count)]
            result += Self.separators[int(Self.separators.count)]
        }
        return result
    }

    /// Texts that avoid special-token strings (they are encoded as plain text, but decoding cannot
    /// tell them apart from the tokens themselves when `parsingSpecialTokens` is used).
    mutating func plainTexts(count: Int, maxWords: Int = 30) -> [String] {
        (0..<count).map { _ in
            text(words: 1 + int(maxWords))
        }
    }
}

enum TokenizerFixtures {
    /// Writes `files` into a fresh temporary directory and returns its path.
    static func directory(_ files: [(name: String, bytes: [UInt8])], _ label: String = #function) throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("hone-tok-\(label.filter(\.isLetter))-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for file in files { try Data(file.bytes).write(to: URL(fileURLWithPath: dir + "/" + file.name)) }
        return dir
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedModels.path(relative))))
    }

    /// A directory holding copies of the named files from the shared `model` folder, with
    /// replacements.
    static func copy(_ model: String, _ names: [String], replacing: [String: [UInt8]] = [:], _ label: String = #function) throws -> String {
        var files: [(name: String, bytes: [UInt8])] = []
        for name in names { files.append((name, try replacing[name] ?? bytes(model + "/" + name))) }
        for (name, content) in replacing where !names.contains(name) { files.append((name, content)) }
        return try directory(files, label)
    }
}

extension Array where Element == (key: String, value: GGUFValue) {
    var dictionary: [String: GGUFValue] { Dictionary(map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }) }
}

/// A GGUF v3 file with metadata only (no tensors), enough to read a tokenizer back through
/// `GGUFReader`. Test support, not a GGUF writer.
enum GGUFMetadataFile {
    static func bytes(_ entries: [(key: String, value: GGUFValue)]) -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out += Array(s.utf8) }
        func typeNumber(_ v: GGUFValue) -> UInt32 {
            switch v {
            case .uint8: 0
            case .int8: 1
            case .uint16: 2
            case .int16: 3
            case .uint32: 4
            case .int32: 5
            case .float32: 6
            case .bool: 7
            case .string: 8
            case .array: 9
            case .uint64: 10
            case .int64: 11
            case .float64: 12
            }
        }
        func value(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): out.append(x)
            case .int8(let x): out.append(UInt8(bitPattern: x))
            case .uint16(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .int16(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .uint32(let x): u32(x)
            case .int32(let x): u32(UInt32(bitPattern: x))
            case .float32(let x): u32(x.bitPattern)
            case .bool(let x): out.append(x ? 1 : 0)
            case .string(let s): string(s)
            case .array(let type, let values):
                u32(type)
                u64(UInt64(values.count))
                values.forEach(value)
            case .uint64(let x): u64(x)
            case .int64(let x): u64(UInt64(bitPattern: x))
            case .float64(let x): u64(x.bitPattern)
            }
        }
        u32(3)
        u64(0)
        u64(UInt64(entries.count))
        for (key, v) in entries {
            string(key)
            u32(typeNumber(v))
            value(v)
        }
        while out.count % 32 != 0 { out.append(0) }
        return out
    }
}
