import Foundation

/// Tab completion for the REPL, derived from the command specs and the session as `help` is:
/// no command has completion code of its own.
///
/// `complete(lineBeforeCursor:)` reads the text before the cursor and returns the candidates for
/// the word being typed, which is the text after the last of `wordBreakCharacters`. A candidate
/// replaces that word as it stands, so the REPL hands the candidates to libedit unchanged.
/// Apart from listing directories for paths the completer is pure, and tests drive it with strings.
///
/// What is offered where:
/// - at the start of a statement (after the start, `;`, `{`, `}` or a newline): the commands'
///   first words (`let`, `for` and `if` among them), the keywords that can start a statement, and
///   the session's variables; `else` too right after a `}`;
/// - after the first word of two-word commands (`show`, `history`): their second words;
/// - after a command: the `key=` of each option not yet given (a boolean option also as its bare
///   flag), unused clause keywords (`as`, `on`) and values for the next positional argument;
/// - after `key=` (or in its `[…]` or comma list): the argument's choices, `true`/`false` for a
///   boolean, paths for a path, and variables where a bare name is read as one (numbers, booleans);
/// - after `$`: variable names; in expressions (`print`, `if`, `for … in`): variables and keywords;
/// - inside an open `"` string: file paths relative to the current directory, directories with a
///   trailing `/`, files filtered by extension when the string is the value of a path argument;
/// - after `help` or `?`: command names, a word at a time.
public struct Completer {
    public let session: Session
    /// The directory relative paths are completed against; `nil` means the process's current one.
    public var currentDirectory: String?

    public init(session: Session, currentDirectory: String? = nil) {
        self.session = session
        self.currentDirectory = currentDirectory
    }

    /// The characters that end the word being completed. The REPL gives the same set to libedit,
    /// so both agree on which text a candidate replaces.
    public static let wordBreakCharacters = " \t\n\"=;{}[](),$?"

    /// Keywords that can start a statement besides the commands (`let`, `for`, `if` are commands).
    static let statementKeywords = ["true", "false", "none", "not"]
    /// Keywords inside an expression.
    static let expressionKeywords = ["true", "false", "none", "not", "and", "or"]

    /// The candidates and what follows a unique one.
    public struct Result: Equatable, Sendable {
        /// Sorted and without duplicates; each replaces the word before the cursor.
        public var candidates: [String]
        /// What the line gets after a unique candidate: a space; nothing after `key=` or a
        /// directory's `/`; the closing `"` after a file inside a string.
        public var appendCharacter: Character?

        public init(candidates: [String], appendCharacter: Character?) {
            self.candidates = candidates
            self.appendCharacter = appendCharacter
        }
    }

    /// The candidates for the word before the cursor, sorted and without duplicates.
    public func complete(lineBeforeCursor text: String) -> [String] {
        completion(lineBeforeCursor: text).candidates
    }

    /// The word a candidate replaces: the text after the last word-break character.
    public static func currentWord(lineBeforeCursor text: String) -> String {
        let bytes = Array(text.utf8)
        return String(decoding: bytes[wordStart(bytes)...], as: UTF8.self)
    }

    public func completion(lineBeforeCursor text: String) -> Result {
        let bytes = Array(text.utf8)
        let start = Self.wordStart(bytes)
        let word = String(decoding: bytes[start...], as: UTF8.self)
        let previous: UInt8? = start > 0 ? bytes[start - 1] : nil
        let scan = Scan(bytes[..<start])
        if scan.inComment { return Result(candidates: [], appendCharacter: nil) }

        if let quote = scan.openQuote {
            if previous == UInt8(ascii: "$") || scan.inInterpolation {
                return finish(variables(), word, append: nil)
            }
            // The path typed so far is the string's content; candidates keep only the part that
            // replaces the word, which can be shorter when the path holds a break character.
            let content = String(decoding: bytes[(quote + 1)...], as: UTF8.self)
            var extensions: [String] = []
            if case .path(let exts)? = typeOfValue(after: scan.tokens(in: bytes, from: scan.statementStart, to: quote))?.element {
                extensions = exts
            }
            let dropped = content.utf8.count - word.utf8.count
            let candidates = paths(completing: content, extensions: extensions).map { String(decoding: Array($0.utf8).dropFirst(dropped), as: UTF8.self) }
            return finish(candidates, word, append: "\"", filtered: false)
        }
        if previous == UInt8(ascii: "$") { return finish(variables(), word) }

        let tokens = scan.tokens(in: bytes, from: scan.statementStart, to: start)
        return statement(tokens[...], word: word, start: scan.statementAfterBrace ? .afterBrace : .statement)
    }

    /// What kind of place a statement's first word stands in.
    enum Start {
        /// A statement's start.
        case statement
        /// A statement's start right after a `}`, where `else` may come.
        case afterBrace
        /// The value of `let NAME =`: an expression or a command.
        case letValue
        /// The command after `time`.
        case command
    }

    // MARK: Contexts

    /// Candidates within one statement, `tokens` being what precedes the word in it.
    func statement(_ tokens: ArraySlice<Token>, word: String, start: Start) -> Result {
        guard let first = tokens.first else {
            switch start {
            case .statement: return finish(registry.firstWords + Self.statementKeywords + variables(), word)
            case .afterBrace: return finish(registry.firstWords + Self.statementKeywords + variables() + ["else"], word)
            case .letValue: return finish(registry.firstWords.filter { !isStatementForm($0) } + Self.statementKeywords + variables(), word)
            case .command: return finish(registry.firstWords.filter { !isStatementForm($0) }, word)
            }
        }
        guard case .word(let name) = first else {
            if first == .punct(UInt8(ascii: "?")) {
                let rest = tokens.drop { $0 == .punct(UInt8(ascii: "?")) }
                return finish(commandNames(after: rest.compactMap(\.word)), word)
            }
            return expression(word)
        }
        let rest = tokens.dropFirst()
        switch name {
        case "let":
            // `let NAME = …`: a new name, then a value or a command, as at a statement's start.
            guard rest.count >= 2, rest[rest.startIndex + 1] == .punct(UInt8(ascii: "=")) else { return finish([], word) }
            return statement(rest.dropFirst(2), word: word, start: .letValue)
        case "for":
            if rest.isEmpty { return finish([], word) }
            if rest.count == 1 { return finish(["in"], word) }
            return expression(word)
        case "if":
            return expression(word)
        case "else":
            return rest.isEmpty ? finish(["if"], word) : expression(word)
        default:
            break
        }
        if registry.hasTwoWordCommands(startingWith: name) {
            if rest.isEmpty {
                var candidates = secondWords(of: name)
                if let single = registry.command(named: [name]) { candidates += arguments(of: single.spec, [], word: word) }
                return finish(candidates, word)
            }
            if let second = rest.first?.word, let command = registry.command(named: [name, second]) {
                return commandArguments(command.spec, rest.dropFirst(), word: word)
            }
        }
        if let command = registry.command(named: [name]) {
            return commandArguments(command.spec, rest, word: word)
        }
        return session.variable(name) != nil ? expression(word) : finish([], word)
    }

    func commandArguments(_ spec: CommandSpec, _ tokens: ArraySlice<Token>, word: String) -> Result {
        switch spec.syntax {
        case .arguments: return finish(arguments(of: spec, tokens, word: word), word)
        case .expressions: return expression(word)
        case .command: return statement(tokens, word: word, start: .command)
        case .words: return finish(commandNames(after: tokens.compactMap(\.word)), word)
        case .statement: return finish([], word)
        }
    }

    func expression(_ word: String) -> Result {
        finish(Self.expressionKeywords + variables(), word)
    }

    /// What can come next among a command's arguments, `tokens` being those already written.
    func arguments(of spec: CommandSpec, _ tokens: ArraySlice<Token>, word: String) -> [String] {
        switch argumentSlot(tokens, spec: spec) {
        case .value(let type):
            return values(of: type.element, word: word)
        case .next(let used, let positionals):
            var candidates: [String] = []
            for argument in spec.arguments where !used.contains(argument.name) {
                switch argument.role {
                case .option:
                    candidates.append(argument.name + "=")
                    if argument.type.isFlag { candidates.append(argument.name) }
                case .clause:
                    candidates.append(argument.name)
                case .positional:
                    break
                }
            }
            if let next = Self.positional(positionals, of: spec) { candidates += values(of: next.type.element, word: word) + next.suggestions }
            return candidates
        case nil:
            return []
        }
    }

    /// The spec of the `index`th positional value: the last one again when it is variadic.
    static func positional(_ index: Int, of spec: CommandSpec) -> ArgumentSpec? {
        let specs = spec.positionals
        if index < specs.count { return specs[index] }
        return specs.last.flatMap { $0.isVariadic ? $0 : nil }
    }

    /// Where the cursor stands among a command's arguments.
    enum Slot {
        /// In the value of an argument: after `key=`, a clause keyword, or in a list.
        case value(ArgumentType)
        /// At a new argument, with the names already given and the count of positional values.
        case next(used: Set<String>, positionals: Int)
    }

    /// The type of the argument value that starts after `tokens`, a whole statement so far
    /// (the command's name, then arguments); nil when that is no command's argument.
    func typeOfValue(after tokens: [Token]) -> ArgumentType? {
        var slice = tokens[...]
        guard case .word(let name)? = slice.first else { return nil }
        if name == "let", slice.count >= 3, slice[slice.startIndex + 2] == .punct(UInt8(ascii: "=")) {
            return typeOfValue(after: Array(slice.dropFirst(3)))
        }
        slice = slice.dropFirst()
        var command = registry.command(named: [name])
        if registry.hasTwoWordCommands(startingWith: name), let second = slice.first?.word,
            let found = registry.command(named: [name, second]) {
            command = found
            slice = slice.dropFirst()
        }
        guard let spec = command?.spec, spec.syntax == .arguments else { return nil }
        switch argumentSlot(slice, spec: spec) {
        case .value(let type): return type
        case .next(_, let positionals): return Self.positional(positionals, of: spec)?.type
        case nil: return nil
        }
    }

    func argumentSlot(_ tokens: ArraySlice<Token>, spec: CommandSpec) -> Slot? {
        var used = Set<String>()
        var positionals = 0
        var i = tokens.startIndex
        while i < tokens.endIndex {
            let token = tokens[i]
            if case .word(let key) = token, i + 1 < tokens.endIndex, tokens[i + 1] == .punct(UInt8(ascii: "=")) {
                used.insert(key)
                i += 2
                guard let end = skipValue(tokens, from: i) else {
                    guard let argument = spec.argument(named: key), argument.role == .option else { return nil }
                    return .value(argument.type)
                }
                i = end
            } else if case .word(let keyword) = token, let clause = spec.clauses.first(where: { $0.name == keyword }) {
                used.insert(keyword)
                i += 1
                guard let end = skipValue(tokens, from: i) else { return .value(clause.type) }
                i = end
            } else if case .word(let flag) = token, let option = spec.argument(named: flag), option.role == .option, option.type.isFlag {
                used.insert(flag)
                i += 1
            } else {
                guard let end = skipValue(tokens, from: i) else { return Self.positional(positionals, of: spec).map { .value($0.type) } }
                positionals += 1
                i = end
            }
        }
        return .next(used: used, positionals: positionals)
    }

    /// The index after one argument value starting at `start` (an atom, a bracketed group, and
    /// more atoms joined by commas); nil when the value is still being written at the end.
    func skipValue(_ tokens: ArraySlice<Token>, from start: Int) -> Int? {
        var i = start
        while true {
            guard i < tokens.endIndex else { return nil }
            switch tokens[i] {
            case .punct(UInt8(ascii: "$")):
                i += 1
                guard i < tokens.endIndex else { return nil }
                i += 1
            case .punct(UInt8(ascii: "[")), .punct(UInt8(ascii: "(")):
                var depth = 0
                repeat {
                    guard i < tokens.endIndex else { return nil }
                    if tokens[i] == .punct(UInt8(ascii: "[")) || tokens[i] == .punct(UInt8(ascii: "(")) { depth += 1 }
                    if tokens[i] == .punct(UInt8(ascii: "]")) || tokens[i] == .punct(UInt8(ascii: ")")) { depth -= 1 }
                    i += 1
                } while depth > 0
            default:
                i += 1
            }
            guard i < tokens.endIndex, tokens[i] == .punct(UInt8(ascii: ",")) else { return i }
            i += 1
        }
    }

    /// Values an argument of `type` may take, as bare text (`word` is what is typed of it).
    func values(of type: ArgumentType, word: String) -> [String] {
        switch type {
        case .choice(let choices): return choices
        case .bool: return ["true", "false"] + variables()
        case .int, .float: return variables()
        case .path(let extensions): return paths(completing: word, extensions: extensions)
        case .list(let element): return values(of: element, word: word)
        case .string, .word, .name, .value: return []
        }
    }

    /// The words of command names that can follow `typed` (`help show` → `vars`, `session`).
    func commandNames(after typed: [String]) -> [String] {
        registry.commandNames.compactMap { name in
            let words = name.split(separator: " ").map(String.init)
            guard words.count > typed.count, Array(words.prefix(typed.count)) == typed else { return nil }
            return words[typed.count]
        }
    }

    func secondWords(of first: String) -> [String] {
        registry.commands.compactMap { $0.spec.words.count == 2 && $0.spec.words[0] == first ? $0.spec.words[1] : nil }
    }

    func isStatementForm(_ word: String) -> Bool {
        registry.command(named: [word])?.spec.syntax == .statement
    }

    func variables() -> [String] { session.allVariables.map(\.name) }

    var registry: CommandRegistry { session.registry }

    /// Filters by the word, sorts, removes duplicates, and picks what follows a unique candidate.
    func finish(_ candidates: [String], _ word: String, append: Character? = " ", filtered: Bool = true) -> Result {
        var kept = Array(Set(filtered ? candidates.filter { $0.hasPrefix(word) } : candidates)).sorted()
        if !filtered { kept = kept.filter { !$0.isEmpty } }
        var appended = append
        if kept.count == 1, let only = kept.first, only.hasSuffix("=") || only.hasSuffix("/") { appended = nil }
        return Result(candidates: kept, appendCharacter: appended)
    }

    // MARK: Paths

    /// Paths that start with `typed`, relative to the current directory (or absolute, or under
    /// `~/`); directories end in `/`. Hidden entries only when `typed` names one (`.`…).
    func paths(completing typed: String, extensions: [String]) -> [String] {
        if typed == "~" { return ["~/"] }
        let slash = typed.lastIndex(of: "/")
        let directoryPart = slash.map { String(typed[...$0]) } ?? ""
        let base = slash.map { String(typed[typed.index(after: $0)...]) } ?? typed
        var directory = directoryPart.isEmpty ? "." : directoryPart
        if directory.hasPrefix("~/") {
            directory = FileManager.default.homeDirectoryForCurrentUser.path + String(directory.dropFirst())
        }
        if !directory.hasPrefix("/") {
            directory = (currentDirectory ?? FileManager.default.currentDirectoryPath) + "/" + directory
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var out: [String] = []
        for name in names where name.hasPrefix(base) {
            if name.hasPrefix(".") && !base.hasPrefix(".") { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                out.append(directoryPart + name + "/")
            } else if extensions.isEmpty || extensions.contains(where: { name.hasSuffix("." + $0) }) {
                out.append(directoryPart + name)
            }
        }
        return out
    }

    // MARK: Scanning

    static let breakBytes = Set(wordBreakCharacters.utf8)

    static func wordStart(_ bytes: [UInt8]) -> Int {
        var i = bytes.count
        while i > 0 && !breakBytes.contains(bytes[i - 1]) { i -= 1 }
        return i
    }

    /// A piece of a statement, as far as completion needs: words, punctuation and strings.
    enum Token: Equatable {
        case word(String)
        case punct(UInt8)
        case string

        var word: String? { if case .word(let w) = self { w } else { nil } }
    }

    /// One pass over the text before the word: whether it ends in a string or comment, and
    /// where the current statement starts.
    struct Scan {
        var openQuote: Int?
        var inInterpolation = false
        var inComment = false
        var statementStart = 0
        var statementAfterBrace = false

        init(_ bytes: ArraySlice<UInt8>) {
            var depth = 0
            var i = bytes.startIndex
            while i < bytes.endIndex {
                let b = bytes[i]
                if inComment {
                    if b == UInt8(ascii: "\n") {
                        inComment = false
                        if depth == 0 { statementStart = i + 1; statementAfterBrace = false }
                    }
                    i += 1
                    continue
                }
                if openQuote != nil {
                    if b == UInt8(ascii: "\\") {
                        i += 2
                        continue
                    }
                    if inInterpolation {
                        if b == UInt8(ascii: "}") { inInterpolation = false }
                    } else if b == UInt8(ascii: "$"), i + 1 < bytes.endIndex, bytes[i + 1] == UInt8(ascii: "{") {
                        inInterpolation = true
                        i += 1
                    } else if b == UInt8(ascii: "\"") {
                        openQuote = nil
                    }
                    i += 1
                    continue
                }
                switch b {
                case UInt8(ascii: "\""):
                    openQuote = i
                case UInt8(ascii: "#"):
                    if i == bytes.startIndex || Completer.breakBytes.contains(bytes[i - 1]) { inComment = true }
                case UInt8(ascii: ";"), UInt8(ascii: "{"), UInt8(ascii: "}"):
                    statementStart = i + 1
                    statementAfterBrace = b == UInt8(ascii: "}")
                    depth = 0
                case UInt8(ascii: "\n"):
                    if depth == 0 { statementStart = i + 1; statementAfterBrace = false }
                case UInt8(ascii: "("), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: ")"), UInt8(ascii: "]"):
                    depth = max(0, depth - 1)
                case UInt8(ascii: "\\"):
                    // A backslash at the end of a line continues the statement on the next.
                    var j = i + 1
                    while j < bytes.endIndex && (bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") || bytes[j] == UInt8(ascii: "\r")) { j += 1 }
                    if j < bytes.endIndex && bytes[j] == UInt8(ascii: "\n") { i = j }
                default:
                    break
                }
                i += 1
            }
        }

        /// The tokens of `bytes[from..<to]`, which holds no open string or comment.
        func tokens(in bytes: [UInt8], from: Int, to: Int) -> [Token] {
            var tokens: [Token] = []
            var i = from
            let end = min(to, bytes.count)
            while i < end {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    while i < end && bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                    i += 1
                    tokens.append(.string)
                } else if b == UInt8(ascii: "#") && (i == from || Completer.breakBytes.contains(bytes[i - 1])) {
                    while i < end && bytes[i] != UInt8(ascii: "\n") { i += 1 }
                } else if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") || b == UInt8(ascii: "\\") {
                    i += 1
                } else if Completer.breakBytes.contains(b) {
                    tokens.append(.punct(b))
                    i += 1
                } else {
                    let s = i
                    while i < end && !Completer.breakBytes.contains(bytes[i]) && bytes[i] != UInt8(ascii: "\r") && bytes[i] != UInt8(ascii: "\\") { i += 1 }
                    tokens.append(.word(String(decoding: bytes[s..<i], as: UTF8.self)))
                }
            }
            return tokens
        }
    }
}

fileprivate extension ArgumentType {
    /// The type of one value: a list's element, or the type itself.
    var element: ArgumentType {
        if case .list(let element) = self { return element }
        return self
    }
}
