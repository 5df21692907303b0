@testable import HoneLang

/// SplitMix64 (Steele, Lea and Flood, 2014): a generator whose whole state is one word, so the
/// seed printed beside a failure reproduces it exactly. It reduces to ranges itself rather than
/// through the standard library, whose algorithms may change from one toolchain to the next.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n`.
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(\(n)): the bound must be positive")
        return Int(next() % UInt64(n))
    }

    mutating func between(_ low: Int, _ high: Int) -> Int { low + below(high - low + 1) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Writes random hone scripts from the grammar and the command registry. Every command's name
/// and arguments come from its `spec`, so a new command is fuzzed without a line here.
///
/// A script is careful or careless. Careful scripts mostly type-check and run, so they reach the
/// commands and the interpreter; careless ones misspell names, give values of the wrong kind and
/// read undefined variables, so they reach the checker's errors.
///
/// Paths in generated scripts are relative (they resolve in the fuzz test's own directory) or
/// point where nothing exists.
struct ScriptGenerator {
    var rng: SplitMix64
    let registry: CommandRegistry
    /// The commands a call can name: all but the statement forms, which have their own grammar.
    let callable: [any Command.Type]
    /// How often a choice goes wrong on purpose.
    var slip = 0.1
    /// Names the session holds and the script defined so far, which references favour.
    var defined: [String] = ["_"]

    init(seed: UInt64, registry: CommandRegistry) {
        rng = SplitMix64(seed: seed)
        self.registry = registry
        callable = registry.commands.filter { $0.spec.syntax != .statement }
    }

    enum Kind: CaseIterable { case number, string, bool, list, any }

    static let variables = ["x", "y", "lr", "r", "d", "t", "s", "name", "items", "n", "_"]
    static let fields = ["count", "seconds", "result", "options", "variables", "history", "seed", "verbose", "loss", "val"]
    static let words = ["hone-tiny", "q_proj", "v_proj", "d.val", "x.count", "true", "none", "abc", "é", "🙂", "日本語",
                        "a-b_c", "--help", "+3", "1.", ".5", "2e-", "x..y", "e\u{301}"]
    static let texts = ["run ", "lr is ", "é", "🙂", "e\u{301}", " ", "{", "}", "a b", "日本", "#", ";", "\t", "x=1", "[1]"]
    static let escapes = ["\\n", "\\t", "\\\\", "\\\"", "\\$", "\\r", "\\0", "\\\n"]
    static let pathBases = ["h1", "h2", "setup", "data/train", "out/run", "é", "missing", "/nonexistent/x", "~/hone-fuzz-missing"]
    static let binaryOperators = ["+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "and", "or"]
    static let comparisons = ["==", "!=", "<", "<=", ">", ">="]
    static let floats = ["2e-4", "0.05", "1e-3", "-1.5", "1e308", "3.0", "0.0", "1E+2", "0.5"]
    static let badNumbers = ["1e999", "nan", "inf", ".5", "1.", "2e-4.1", "99999999999999999999", "0x10", "1_000"]

    // MARK: Scripts and statements

    /// A script of one to five statements, separated by newlines or `;`, with comments. `names`
    /// are the variables the session already holds.
    mutating func script(names: [String] = []) -> String {
        slip = rng.chance(0.6) ? 0.01 : 0.15
        defined = ["_"] + names.filter { !$0.isEmpty }
        var out = ""
        for i in 0..<rng.between(1, 5) {
            if i > 0 { out += rng.pick(["\n", "; ", "\n\n", " ;\n", "\n  ", ";"]) }
            out += statement(depth: 0)
            if rng.chance(0.08) { out += " # " + rng.pick(Self.texts + ["a comment", "é 🙂"]) }
        }
        if rng.chance(0.05) { out = "# " + rng.pick(Self.texts) + "\n" + out }
        if rng.chance(slip) { out += rng.pick([" \\", "\\\n", "\n"]) }
        return out
    }

    mutating func statement(depth: Int) -> String {
        switch rng.below(depth > 2 ? 7 : 11) {
        case 0, 1, 2: return commandCall(depth: depth)
        case 3:
            let name = newName()
            defer { defined.append(name) }
            return "let \(name) = \(expression(.any, depth: depth))"
        case 4:
            let name = newName()
            defer { defined.append(name) }
            return "let \(name) = \(commandCall(depth: depth))"
        case 5: return expression(.any, depth: depth)
        case 6: return helpShorthand()
        case 7:
            let name = newName()
            let sequence = rng.chance(slip * 3) ? expression(.any, depth: depth) : expression(.list, depth: depth)
            defined.append(name)
            return "for \(name) in \(sequence) \(block(depth: depth))"
        case 8, 9: return conditional(depth: depth)
        default: return block(depth: depth)
        }
    }

    mutating func block(depth: Int) -> String {
        let body = (0..<rng.below(4)).map { _ in statement(depth: depth + 1) }
        if rng.chance(0.5) { return "{\n" + body.map { "  " + $0 + "\n" }.joined() + "}" }
        return "{ " + body.joined(separator: "; ") + (body.isEmpty ? "}" : " }")
    }

    mutating func conditional(depth: Int) -> String {
        var out = "if \(condition(depth: depth)) \(block(depth: depth))"
        if rng.chance(0.3) { out += " else if \(condition(depth: depth)) \(block(depth: depth))" }
        if rng.chance(0.5) { out += " else \(block(depth: depth))" }
        return out
    }

    mutating func condition(depth: Int) -> String {
        rng.chance(slip * 3) ? expression(.any, depth: depth) : expression(.bool, depth: depth)
    }

    mutating func helpShorthand() -> String {
        let marks = rng.pick(["?", "??", "? "])
        if rng.chance(0.1) { return marks }
        let name = rng.pick(registry.commandNames)
        return marks + (rng.chance(slip * 3) ? misspelled(name) : name)
    }

    /// A name for `let` or `for`: usually one from the pool, sometimes a keyword or a command.
    mutating func newName() -> String {
        guard rng.chance(slip * 2) else { return rng.pick(Self.variables.dropLast()) }
        switch rng.below(3) {
        case 0: return rng.pick(Parser.keywords.sorted())
        case 1: return rng.pick(registry.firstWords)
        default: return misspelled(rng.pick(Self.variables))
        }
    }

    /// A variable to read: usually one defined, sometimes any name from the pool or a misspelling.
    mutating func variable() -> String {
        guard rng.chance(slip * 3) else { return rng.pick(defined) }
        return rng.chance(0.3) ? misspelled(rng.pick(defined)) : rng.pick(Self.variables)
    }

    // MARK: Commands, from their specs

    mutating func commandCall(depth: Int) -> String {
        let spec = rng.pick(callable).spec
        var parts = [rng.chance(slip) ? misspelled(spec.name) : spec.name]
        switch spec.syntax {
        case .arguments:
            parts += arguments(spec)
        case .expressions:
            for (i, argument) in spec.positionals.enumerated() {
                if !argument.isRequired && rng.chance(0.4) || argument.isRequired && rng.chance(slip) { continue }
                let kind: Kind = i == 0 && spec.positionals.count > 1 ? .bool : rng.pick(Kind.allCases)
                for j in 0..<(argument.isVariadic ? rng.below(4) : 1) {
                    parts.append((j > 0 && rng.chance(0.3) ? ", " : "") + expression(kind, depth: depth + 1))
                }
            }
            if rng.chance(slip) { parts.append(rng.pick(["x = 1", "1 2 3", ","])) }
        case .command:
            if depth < 3 && !rng.chance(slip * 3) {
                parts.append(commandCall(depth: depth + 1))
            } else {
                parts.append(rng.pick(["", "let", "x", "?help", "print"]))
            }
        case .words:
            for _ in 0..<rng.below(3) {
                let word = rng.pick([rng.pick(registry.firstWords), rng.pick(registry.commandNames), "full"])
                parts.append(rng.chance(slip * 3) ? rng.pick([misspelled(word), "vars", "=", "é", "save"]) : word)
            }
        case .statement:
            preconditionFailure("statement forms are not callable")
        }
        return parts.joined(separator: rng.chance(0.05) ? " \\\n  " : " ")
    }

    /// Positionals, `key=value` options, bare flags and clauses for `spec`, with now and then a
    /// misspelled or unknown key, a surplus value, or the order shuffled.
    mutating func arguments(_ spec: CommandSpec) -> [String] {
        var parts: [String] = []
        for argument in spec.positionals {
            if !argument.isRequired && rng.chance(0.4) || argument.isRequired && rng.chance(slip) { continue }
            for _ in 0..<(argument.isVariadic ? rng.below(4) : 1) { parts.append(value(argument.type)) }
        }
        for argument in spec.options where rng.chance(0.5) {
            if argument.type.isFlag && rng.chance(0.4) {
                parts.append(argument.name)
            } else {
                let key = rng.chance(slip) ? misspelled(argument.name) : argument.name
                parts.append("\(key)=\(value(argument.type))")
            }
        }
        for argument in spec.clauses where rng.chance(0.6) {
            parts.append("\(rng.chance(slip) ? misspelled(argument.name) : argument.name) \(value(argument.type))")
        }
        if rng.chance(slip) { parts.append("\(rng.pick(["rank", "lr", "full", "seed", "x", "é"]))=\(value(.value))") }
        if rng.chance(slip) { parts.append(value(.value)) }
        if parts.count > 1 && rng.chance(0.1) {
            let i = rng.below(parts.count), j = rng.below(parts.count)
            parts.swapAt(i, j)
        }
        return parts
    }

    /// A value in argument mode for an argument of `type`: mostly of that type, sometimes of
    /// another kind, a variable, a field or a parenthesised expression.
    mutating func value(_ type: ArgumentType) -> String {
        if rng.chance(slip * 2) {
            switch rng.below(5) {
            case 0: return "$" + variable()
            case 1: return "$\(variable()).\(rng.pick(Self.fields))"
            case 2: return "(\(expression(.any, depth: 2)))"
            case 3: return rng.pick(Self.badNumbers)
            default: return rng.pick([rng.pick(Self.words), stringLiteral(depth: 2), rng.pick(Self.floats), intText(nil)])
            }
        }
        switch type {
        case .int(let bounds):
            return rng.chance(0.1) ? "(\(intText(bounds)) + 0)" : intText(bounds)
        case .float(let bounds):
            return rng.chance(0.1) ? "(\(floatText(bounds)) * 1)" : floatText(bounds)
        case .bool: return rng.chance(slip * 3) ? rng.pick(["yes", "1", "True"]) : rng.pick(["true", "false"])
        case .string: return rng.chance(0.7) ? stringLiteral(depth: 2) : rng.pick(Self.words)
        case .word: return rng.pick(Self.words)
        case .choice(let choices):
            let choice = rng.pick(choices)
            return rng.chance(slip * 2) ? misspelled(choice) : rng.chance(0.1) ? "\"\(choice)\"" : choice
        case .path(let extensions): return pathText(extensions)
        case .name: return rng.chance(slip * 2) ? rng.pick(["1abc", "let", "a-b", "é", "\"base\""]) : rng.pick(Self.variables.dropLast())
        case .value: return rng.chance(0.3) ? rng.pick(Self.words) : expression(.any, depth: 3)
        case .list(let element):
            let items = (0..<rng.between(1, 3)).map { _ in value(element) }
            return rng.chance(0.6) ? items.joined(separator: ",") : "[" + items.joined(separator: ", ") + "]"
        }
    }

    mutating func intText(_ bounds: ClosedRange<Int>?) -> String {
        let low = bounds?.lowerBound ?? -5, high = bounds?.upperBound ?? 100
        let (span, overflow) = high.subtractingReportingOverflow(low)
        let top = overflow || span > 1000 ? low + 1000 : high
        if !rng.chance(slip * 3) { return rng.chance(0.2) ? String(low) : String(rng.between(low, top)) }
        switch rng.below(4) {
        case 0: return low == Int.min ? "-1" : String(low - 1)
        case 1: return high == Int.max ? "9223372036854775807" : String(high + 1)
        case 2: return "-9223372036854775808"
        default: return rng.pick(Self.badNumbers + ["-0", "+7", "8.0", "1e3"])
        }
    }

    mutating func floatText(_ bounds: ClosedRange<Double>?) -> String {
        guard let bounds, bounds.lowerBound.isFinite, bounds.upperBound.isFinite, !rng.chance(slip * 3) else {
            return rng.pick(Self.floats + (rng.chance(slip * 3) ? Self.badNumbers : []))
        }
        let fraction = Double(rng.below(1001)) / 1000
        return "\(bounds.lowerBound + (bounds.upperBound - bounds.lowerBound) * fraction)"
    }

    mutating func pathText(_ extensions: [String]) -> String {
        let ext = extensions.isEmpty || rng.chance(slip) ? rng.pick(["jsonl", "txt", "hone", "", "hone.bak"]) : rng.pick(extensions)
        let path = rng.pick(Self.pathBases) + (ext.isEmpty ? "" : "." + ext)
        return rng.chance(0.2) ? "\"\(path)\"" : path
    }

    // MARK: Expressions

    /// An expression of `kind` in a careful script; in a careless one now and then of any kind.
    mutating func expression(_ kind: Kind, depth: Int) -> String {
        if rng.chance(slip * 3) { return wildExpression(depth: depth) }
        let leaf = depth > 3 || rng.chance(0.4)
        switch kind {
        case .number:
            if leaf { return rng.chance(0.7) ? intText(nil) : rng.pick(Self.floats) }
            switch rng.below(5) {
            case 0, 1: return "\(expression(.number, depth: depth + 1)) \(rng.pick(["+", "-", "*", "/"])) \(expression(.number, depth: depth + 1))"
            case 2: return "-" + expression(.number, depth: depth + 1)
            case 3: return "(\(expression(.number, depth: depth + 1)))"
            default: return "\(expression(rng.pick([.list, .string]), depth: depth + 1)).count"
            }
        case .string:
            if leaf || rng.chance(0.7) { return stringLiteral(depth: depth + 1) }
            return "\(stringLiteral(depth: depth + 1)) + \(expression(.string, depth: depth + 1))"
        case .bool:
            if leaf { return rng.pick(["true", "false"]) }
            switch rng.below(5) {
            case 0, 1: return "\(expression(.number, depth: depth + 1)) \(rng.pick(Self.comparisons)) \(expression(.number, depth: depth + 1))"
            case 2: return "\(expression(.string, depth: depth + 1)) \(rng.pick(Self.comparisons)) \(expression(.string, depth: depth + 1))"
            case 3: return "not " + expression(.bool, depth: depth + 1)
            default: return "\(expression(.bool, depth: depth + 1)) \(rng.pick(["and", "or"])) \(expression(.bool, depth: depth + 1))"
            }
        case .list:
            if !leaf && rng.chance(0.2) { return "\(expression(.list, depth: depth + 1)) + \(expression(.list, depth: depth + 1))" }
            let element = rng.pick(Kind.allCases)
            let items = (0..<rng.below(5)).map { _ in expression(element, depth: depth + 2) }
            return "[" + items.joined(separator: rng.pick([", ", ","])) + "]"
        case .any:
            if rng.chance(0.3) { return rng.chance(0.2) ? "$" + variable() : variable() }
            return expression(rng.pick([.number, .string, .bool, .list]), depth: depth)
        }
    }

    /// An expression of any shape, whatever its types, with every operator and field access.
    mutating func wildExpression(depth: Int) -> String {
        if depth > 3 || rng.chance(0.35) { return atom(depth: depth) }
        switch rng.below(7) {
        case 0, 1: return "\(wildExpression(depth: depth + 1)) \(rng.pick(Self.binaryOperators)) \(wildExpression(depth: depth + 1))"
        case 2: return rng.pick(["-", "not ", "- "]) + wildExpression(depth: depth + 1)
        case 3: return "(" + wildExpression(depth: depth + 1) + ")"
        case 4:
            let items = (0..<rng.below(4)).map { _ in wildExpression(depth: depth + 1) }
            return "[" + items.joined(separator: ", ") + "]"
        case 5: return atom(depth: depth) + "." + rng.pick(Self.fields)
        default: return stringLiteral(depth: depth + 1)
        }
    }

    mutating func atom(depth: Int) -> String {
        switch rng.below(10) {
        case 0: return intText(nil)
        case 1: return rng.pick(Self.floats + Self.badNumbers)
        case 2: return rng.pick(["true", "false", "none"])
        case 3: return stringLiteral(depth: depth + 1)
        case 4: return "$" + variable()
        case 5: return "$\(variable()).\(rng.pick(Self.fields))"
        case 6: return variable() + "." + rng.pick(Self.fields)
        default: return variable()
        }
    }

    /// A string literal with text, escapes, `$name`, `$name.field` and `${expression}` pieces.
    mutating func stringLiteral(depth: Int) -> String {
        var out = "\""
        for _ in 0..<rng.below(5) {
            switch rng.below(6) {
            case 0, 1: out += rng.pick(Self.texts)
            case 2: out += rng.pick(Self.escapes)
            case 3: out += "$" + variable() + rng.pick([" ", "-", "\\n", "é"])
            case 4: out += rng.chance(slip * 5) ? "$\(variable()).\(rng.pick(Self.fields))" : "$\(variable())"
            default: out += "${" + (depth > 3 ? atom(depth: depth) : expression(.any, depth: depth + 1)) + "}"
            }
        }
        return out + "\""
    }

    /// `word` with one typing slip: a letter dropped, doubled, swapped with the next, or changed.
    mutating func misspelled(_ word: String) -> String {
        var chars = Array(word)
        guard !chars.isEmpty else { return "x" }
        let i = rng.below(chars.count)
        switch rng.below(4) {
        case 0: chars.remove(at: i)
        case 1: chars.insert(chars[i], at: i)
        case 2: if i + 1 < chars.count { chars.swapAt(i, i + 1) } else { chars.append("s") }
        default: chars[i] = rng.pick(Array("aeiorstxz_"))
        }
        return chars.isEmpty ? "_" : String(chars)
    }

    // MARK: Deep nesting

    /// A script nested `depth` levels deep in one of the ways the grammar allows (parentheses,
    /// brackets, signs, `not`, blocks, `if`, `else if`, `time`, interpolation), or loops that
    /// wrap a value in itself up to `depth` squared times.
    mutating func deeplyNested(depth n: Int) -> String {
        func repeated(_ s: String) -> String { String(repeating: s, count: n) }
        let loops = "let L = [" + Array(repeating: "0", count: n).joined(separator: ", ") + "]\nfor a in L { for b in L { "
        switch rng.below(14) {
        case 10: return "let x = []\n" + loops + "let x = [x] } }\nprint x"
        case 11: return "let t = 1\n" + loops + "let t = time print t } }"
        case 12: return loops + "time print _ } }"
        case 13: return "let x = 0\n" + loops + "for x in [[x]] { } } }\nprint x"
        case 0: return "print " + repeated("(") + "1" + repeated(")")
        case 1: return "let x = " + repeated("[") + repeated("]")
        case 2: return "print " + repeated("-") + "1"
        case 3: return "print " + repeated("not ") + "true"
        case 4: return repeated("{") + "print 1" + repeated("}")
        case 5: return repeated("if true { ") + "print 1" + repeated(" }")
        case 6: return "if false { }" + repeated(" else if false { }")
        case 7: return repeated("time ") + "print 1"
        case 8: return "set seed=" + repeated("(") + "1" + repeated(")")
        default:
            var s = "1"
            for _ in 0..<n { s = "\"${" + s + "}\"" }
            return "print " + s
        }
    }
}

/// Breaks scripts the way typing and pasting do: bytes and tokens deleted, doubled, swapped or
/// replaced; stray punctuation, quotes, braces, `$`, `\`, non-ASCII and control characters put
/// in; the text cut short.
struct ScriptMutator {
    let fragments: [String]

    init(registry: CommandRegistry) {
        fragments = [
            "\"", "'", "{", "}", "(", ")", "[", "]", "$", "${", "\\", "\\\n", "\n", ";", ",", "=", "==", ".", "?", "??",
            "#", "-", "+", "*", "/", "<", ">=", "!=", " ", "é", "🙂", "\u{301}", "日", "\u{0}", "\u{7}", "\u{1B}",
            "\u{7F}", "\r", "\t", "\u{FEFF}", "\u{2028}", "\u{85}", "let ", "for ", " in ", "if ", "else ", " and ",
            "not ", "none", "$x", "$x.count", "1e999", "99999999999999999999", "_", "2e-4", "\\n", "\"${",
        ] + registry.firstWords.map { $0 + " " }
    }

    mutating func mutate(_ script: String, rng: inout SplitMix64) -> String {
        var bytes = Array(script.utf8)
        for _ in 0..<rng.between(1, 3) {
            if rng.chance(0.35) {
                mutateTokens(&bytes, rng: &rng)
            } else {
                mutateBytes(&bytes, rng: &rng)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func mutateBytes(_ bytes: inout [UInt8], rng: inout SplitMix64) {
        let i = rng.below(bytes.count + 1)
        let length = min(rng.between(1, 8), bytes.count - i)
        switch rng.below(7) {
        case 0: bytes.removeSubrange(i..<i + length)
        case 1: bytes.insert(contentsOf: Array(bytes[i..<i + length]), at: rng.below(bytes.count + 1))
        case 2:
            let j = rng.below(bytes.count + 1)
            let other = min(length, bytes.count - j)
            guard i + length <= j || j + other <= i else { return }
            let a = Array(bytes[i..<i + length]), b = Array(bytes[j..<j + other])
            if i < j {
                bytes.replaceSubrange(j..<j + other, with: a)
                bytes.replaceSubrange(i..<i + length, with: b)
            } else {
                bytes.replaceSubrange(i..<i + length, with: b)
                bytes.replaceSubrange(j..<j + other, with: a)
            }
        case 3, 4: bytes.insert(contentsOf: Array(rng.pick(fragments).utf8), at: i)
        case 5: if i < bytes.count { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
        default: bytes.removeSubrange(i...)
        }
    }

    /// Splits the text into words, numbers, blank runs and single characters, then deletes,
    /// doubles, swaps or replaces one of them.
    func mutateTokens(_ bytes: inout [UInt8], rng: inout SplitMix64) {
        var tokens: [[UInt8]] = []
        var i = 0
        func kind(_ b: UInt8) -> Int {
            if Lexer.isIdentifierPart(b) { return 0 }
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { return 1 }
            return 2
        }
        while i < bytes.count {
            var j = i + 1
            let k = kind(bytes[i])
            if k == 2 {
                while j < bytes.count && bytes[j] & 0xC0 == 0x80 { j += 1 }
            } else {
                while j < bytes.count && kind(bytes[j]) == k { j += 1 }
            }
            tokens.append(Array(bytes[i..<j]))
            i = j
        }
        guard !tokens.isEmpty else {
            bytes = Array(rng.pick(fragments).utf8)
            return
        }
        let t = rng.below(tokens.count)
        switch rng.below(4) {
        case 0: tokens.remove(at: t)
        case 1: tokens.insert(tokens[t], at: rng.below(tokens.count + 1))
        case 2: tokens.swapAt(t, rng.below(tokens.count))
        default: tokens[t] = Array(rng.pick(fragments).utf8)
        }
        bytes = tokens.flatMap { $0 }
    }
}
