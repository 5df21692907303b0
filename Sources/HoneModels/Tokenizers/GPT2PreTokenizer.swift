/// GPT-2's pre-tokenization, the regular expression
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// written out by hand over Unicode scalars: text splits into contractions, runs of letters, of
/// digits and of other symbols (each may take one leading space), and whitespace runs, where a
/// run followed by a word leaves its last character to that word (" world" stays one piece).
/// Merges never cross these pieces.
enum GPT2PreTokenizer {
    enum Class: UInt8 { case letter, number, space, other }

    private static let ascii: [Class] = (0..<128).map { byte in
        let scalar = Unicode.Scalar(UInt8(byte))
        switch scalar {
        case "a"..."z", "A"..."Z": return .letter
        case "0"..."9": return .number
        case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}": return .space
        default: return .other
        }
    }

    /// `\p{L}` letter, `\p{N}` number, `\s` (White_Space) or anything else.
    static func classify(_ scalar: Unicode.Scalar) -> Class {
        if scalar.value < 128 { return ascii[Int(scalar.value)] }
        let properties = scalar.properties
        if properties.isWhitespace { return .space }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// The pieces of `scalars` as index ranges, in order, covering every scalar.
    static func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let n = scalars.count
        let classes = scalars.map(classify)
        var result: [Range<Int>] = []
        var i = 0
        while i < n {
            if scalars[i] == "'", i + 1 < n {
                let a = scalars[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" {
                    result.append(i..<(i + 2)); i += 2; continue
                }
                if i + 2 < n {
                    let b = scalars[i + 2]
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") {
                        result.append(i..<(i + 3)); i += 3; continue
                    }
                }
            }
            var j = i
            if scalars[i] == " ", i + 1 < n, classes[i + 1] != .space { j = i + 1 }
            let kind = classes[j]
            if kind != .space {
                var end = j + 1
                while end < n, classes[end] == kind { end += 1 }
                result.append(i..<end)
                i = end
                continue
            }
            var end = i + 1
            while end < n, classes[end] == .space { end += 1 }
            if end < n, end - i >= 2 { end -= 1 }
            result.append(i..<end)
            i = end
        }
        return result
    }
}
