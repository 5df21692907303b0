// A model on the Hugging Face hub, as the user writes it: `hf:ORG/NAME`, `hf:ORG/NAME@REVISION`,
// or one GGUF file in it, `hf:ORG/NAME/path/file.gguf[@REVISION]`.
//
// The revision comes last, after the last `@`, so a branch with slashes (`refs/pr/1`) needs no
// escaping. Repository names follow the hub's rules: letters, digits, `-`, `_` and `.`, neither
// starting nor ending with `-` or `.`, no `--` or `..`, at most 96 characters.
import Foundation

public struct HubReference: Equatable, Sendable, CustomStringConvertible {
    /// `ORG/NAME`.
    public var repository: String
    /// A branch, tag or commit hash; `main` unless one was written.
    public var revision: String
    /// The path of one GGUF file inside the repository, when one was named.
    public var file: String?

    public static let scheme = "hf:"

    public init(repository: String, revision: String = "main", file: String? = nil) throws {
        try Self.validate(repository: repository, in: repository)
        try Self.validate(revision: revision, in: repository)
        self.repository = repository
        self.revision = revision
        self.file = file
    }

    /// Whether `text` is meant as a hub reference (starts with `hf:`), valid or not.
    public static func isReference(_ text: String) -> Bool { text.hasPrefix(scheme) }

    /// Parses `hf:ORG/NAME[/FILE.gguf][@REVISION]`; throws `HubError.invalidReference` saying
    /// what is wrong and what the form is.
    public init(parsing text: String) throws {
        guard text.hasPrefix(Self.scheme) else {
            throw HubError.invalidReference(text, "a hub model starts with `hf:`, as in `hf:ORG/NAME`")
        }
        var body = String(text.dropFirst(Self.scheme.count))
        var revision = "main"
        if let at = body.lastIndex(of: "@") {
            revision = String(body[body.index(after: at)...])
            body = String(body[..<at])
            if revision.isEmpty {
                throw HubError.invalidReference(text, "nothing after `@`: write a branch, tag or commit, as in `hf:ORG/NAME@main`")
            }
        }
        let parts = body.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            if parts.count == 1 && !body.isEmpty {
                throw HubError.invalidReference(text, "`\(body)` has no organization: write `hf:ORG/NAME`, as in `hf:openai-community/gpt2`")
            }
            throw HubError.invalidReference(text, "expected `hf:ORG/NAME`, `hf:ORG/NAME@REVISION` or `hf:ORG/NAME/FILE.gguf`")
        }
        let repository = parts[0] + "/" + parts[1]
        try Self.validate(repository: repository, in: text)
        try Self.validate(revision: revision, in: text)
        var file: String?
        if parts.count > 2 {
            let path = parts[2...].joined(separator: "/")
            if parts[2...].contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
                throw HubError.invalidReference(text, "`\(path)` is not a file path inside the repository")
            }
            guard path.lowercased().hasSuffix(".gguf") else {
                throw HubError.invalidReference(text,
                    "only a `.gguf` file can be named after the repository; for safetensors weights name the repository alone, `hf:\(repository)`")
            }
            file = path
        }
        self.repository = repository
        self.revision = revision
        self.file = file
    }

    public var description: String {
        var text = Self.scheme + repository
        if let file { text += "/" + file }
        if revision != "main" { text += "@" + revision }
        return text
    }

    /// The cache folder name: `models--ORG--NAME`.
    public var cacheFolderName: String { "models--" + repository.replacingOccurrences(of: "/", with: "--") }

    /// Whether `revision` is a full commit hash (40 lowercase hex digits).
    public static func isCommitHash(_ revision: String) -> Bool {
        revision.utf8.count == 40 && revision.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func validate(repository: String, in text: String) throws {
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw HubError.invalidReference(text, "`\(repository)` is not `ORG/NAME`")
        }
        for part in parts {
            let name = String(part)
            let allowed = name.unicodeScalars.allSatisfy {
                ($0.isASCII && (CharacterSet.alphanumerics.contains($0))) || $0 == "-" || $0 == "_" || $0 == "."
            }
            if name.isEmpty || !allowed {
                throw HubError.invalidReference(text,
                    "`\(name)` is not a valid hub name: use letters, digits, `-`, `_` and `.`")
            }
            if name.hasPrefix("-") || name.hasPrefix(".") || name.hasSuffix("-") || name.hasSuffix(".")
                || name.contains("--") || name.contains("..") {
                throw HubError.invalidReference(text,
                    "`\(name)` is not a valid hub name: it may not start or end with `-` or `.`, nor contain `--` or `..`")
            }
            if name.count > 96 {
                throw HubError.invalidReference(text, "`\(name)` is longer than the hub's 96 characters")
            }
        }
    }

    static func validate(revision: String, in text: String) throws {
        if revision.isEmpty || revision.contains(where: { $0.isWhitespace || $0 == "\\" })
            || revision.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            throw HubError.invalidReference(text, "`\(revision)` is not a branch, tag or commit")
        }
    }
}
