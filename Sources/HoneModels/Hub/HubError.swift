// What went wrong fetching a model from the hub, and what to do about it. Each case carries the
// repository (and file, status) it is about; `description` is the one place it becomes text.
import Foundation

public enum HubError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `text` is not `hf:ORG/NAME[/FILE.gguf][@REVISION]`.
    case invalidReference(_ text: String, _ reason: String)
    /// 401/403: the repository is gated or private (or, without a token, may not exist).
    case unauthorized(repository: String, file: String?, status: Int, tokenSet: Bool, message: String?)
    /// 404: no such repository, revision or file.
    case notFound(repository: String, revision: String, file: String?, message: String?)
    /// Any other HTTP failure.
    case http(repository: String, file: String?, status: Int, message: String?)
    /// The hub could not be reached and the cache does not hold the model.
    case unreachable(repository: String, revision: String, endpoint: String, reason: String, cache: String)
    /// HF_HUB_OFFLINE is set and the cache does not hold the model.
    case offlineNotCached(repository: String, revision: String, cache: String)
    /// The repository holds weights only as PyTorch pickles.
    case pickleOnly(repository: String, files: [String])
    /// The repository holds only GGUF files and none was named.
    case chooseGGUF(repository: String, files: [String])
    /// The named file is not in the repository.
    case noSuchFile(repository: String, revision: String, file: String, candidates: [String])
    /// The repository has no weights hone can read.
    case noWeights(repository: String, files: [String])
    /// The hub answered with something hone cannot understand.
    case badResponse(repository: String, file: String?, message: String)
    /// Writing to the cache failed.
    case cache(path: String, message: String)
    /// The download was cancelled (Ctrl-C).
    case cancelled(repository: String, file: String?)

    public var repository: String? {
        switch self {
        case .invalidReference, .cache: nil
        case .unauthorized(let r, _, _, _, _), .notFound(let r, _, _, _), .http(let r, _, _, _),
             .unreachable(let r, _, _, _, _), .offlineNotCached(let r, _, _), .pickleOnly(let r, _),
             .chooseGGUF(let r, _), .noSuchFile(let r, _, _, _), .noWeights(let r, _),
             .badResponse(let r, _, _), .cancelled(let r, _): r
        }
    }

    public var file: String? {
        switch self {
        case .unauthorized(_, let f, _, _, _), .notFound(_, _, let f, _), .http(_, let f, _, _),
             .badResponse(_, let f, _), .cancelled(_, let f): f
        case .noSuchFile(_, _, let f, _): f
        default: nil
        }
    }

    public var status: Int? {
        switch self {
        case .unauthorized(_, _, let s, _, _), .http(_, _, let s, _): s
        case .notFound: 404
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .invalidReference(let text, let reason):
            return "`\(text)` is not a hub model: \(reason)"
        case .unauthorized(let repository, let file, let status, let tokenSet, let message):
            let what = file.map { "`\($0)` in `\(repository)`" } ?? "`\(repository)`"
            var text: String
            if status == 403 || tokenSet {
                text = "the hub refused access to \(what) (HTTP \(status)): the repository is gated or private and "
                    + (tokenSet ? "your token has no access to it; accept its terms at \(Self.page(repository)) with the account of HF_TOKEN"
                                : "needs a token: set HF_TOKEN (or run `huggingface-cli login`)")
            } else {
                text = "the hub refused access to \(what) (HTTP \(status)): it is gated or private (set HF_TOKEN, "
                    + "after accepting its terms at \(Self.page(repository))), or it does not exist (check the name)"
            }
            if let message, !message.isEmpty { text += "; the hub said: \(message)" }
            return text
        case .notFound(let repository, let revision, let file, let message):
            var text: String
            if let file {
                text = "no such file `\(file)` in `\(repository)` at `\(revision)`"
            } else {
                text = "no such repository `\(repository)` (or revision `\(revision)`) on the hub: check the name at \(Self.page(repository))"
            }
            if let message, !message.isEmpty { text += "; the hub said: \(message)" }
            return text
        case .http(let repository, let file, let status, let message):
            let what = file.map { "`\($0)` from `\(repository)`" } ?? "`\(repository)`"
            var text = "the hub failed fetching \(what) with HTTP \(status)"
            text += status >= 500 ? ": it may be down; try again later" : ""
            if let message, !message.isEmpty { text += "; the hub said: \(message)" }
            return text
        case .unreachable(let repository, let revision, let endpoint, let reason, let cache):
            return "no network: cannot reach \(endpoint) (\(reason)), and `\(repository)` at `\(revision)` is not in the cache "
                + "\(cache); connect to the network (or set HF_ENDPOINT to a reachable mirror) and try again"
        case .offlineNotCached(let repository, let revision, let cache):
            return "offline mode (HF_HUB_OFFLINE is set) and nothing cached: `\(repository)` at `\(revision)` is not in \(cache); "
                + "unset HF_HUB_OFFLINE to download it"
        case .pickleOnly(let repository, let files):
            return "`\(repository)` has weights only as PyTorch pickles (\(Self.list(files))); hone does not load pickles, "
                + "because loading one would run arbitrary code stored in the file. Convert them to safetensors with Python, "
                + "where you can decide whether to trust them, then load the result: "
                + PickleRefusal.directoryConversion.replacingOccurrences(of: "'DIR'", with: "'\(repository)'")
                + " (OUT is the new directory); or look on the hub for a safetensors or GGUF version of the model"
        case .chooseGGUF(let repository, let files):
            return "`\(repository)` holds only GGUF files; name the one to load, as in `hf:\(repository)/\(files.first ?? "FILE.gguf")`. "
                + "Its GGUF files: \(Self.list(files, limit: 40))"
        case .noSuchFile(let repository, let revision, let file, let candidates):
            var text = "no such file `\(file)` in `\(repository)` at `\(revision)`"
            if !candidates.isEmpty { text += "; its GGUF files: \(Self.list(candidates, limit: 40))" }
            return text
        case .noWeights(let repository, let files):
            return "`\(repository)` has no weights hone can read (model.safetensors, model.safetensors.index.json with its shards, "
                + "or a .gguf file, next to config.json); its files: \(Self.list(files, limit: 40))"
        case .badResponse(let repository, let file, let message):
            let what = file.map { "`\($0)` from `\(repository)`" } ?? "`\(repository)`"
            return "unexpected answer from the hub for \(what): \(message)"
        case .cache(let path, let message):
            return "cannot write the hub cache at \(path): \(message); check the permissions and free space, or set HF_HUB_CACHE"
        case .cancelled(let repository, let file):
            return "download of " + (file.map { "`\($0)` from " } ?? "") + "`\(repository)` cancelled"
        }
    }

    static func page(_ repository: String) -> String { HubSettings.defaultEndpoint + "/" + repository }

    static func list(_ files: [String], limit: Int = 12) -> String {
        if files.isEmpty { return "none" }
        let shown = files.prefix(limit).map { "`\($0)`" }.joined(separator: ", ")
        return files.count > limit ? shown + " and \(files.count - limit) more" : shown
    }
}
