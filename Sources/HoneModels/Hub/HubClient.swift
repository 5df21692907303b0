// Fetches what a model needs from the Hugging Face hub into the shared cache and returns the
// local snapshot directory.
//
//   1. A snapshot already complete in the cache for `refs/{revision}` is used as it is, without
//      asking the hub (pass `refresh: true` to look for a newer commit).
//   2. Otherwise `GET {endpoint}/api/models/{repo}/revision/{revision}` gives the commit (`sha`)
//      and the file list (`siblings[].rfilename`); `HubFileSelection` picks the files, and each
//      missing one comes from `GET {endpoint}/{repo}/resolve/{commit}/{file}`.
//   3. With HF_HUB_OFFLINE, or when the hub cannot be reached, a complete cached snapshot is
//      used and the result says so; with none, the error says there is no network or offline
//      mode and nothing cached.
import Foundation

/// A model fetched from the hub: where it is and how it was obtained.
public struct HubSnapshot: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        /// At least one file came over the network.
        case downloaded(files: Int, bytes: Int64)
        /// Everything was in the cache already; the hub was not asked.
        case cached
        /// The hub was not used (offline mode, or no network) and the cache served the model.
        case offline(reason: String)
    }

    public var reference: HubReference
    public var commit: String
    /// `{cache}/models--ORG--NAME/snapshots/{commit}`.
    public var directory: String
    /// The files used, relative to `directory`.
    public var files: [String]
    public var origin: Origin

    /// What to load: the GGUF file when one was named, else the snapshot directory.
    public var modelPath: String { reference.file.map { directory + "/" + $0 } ?? directory }

    /// A line for the user about where the model came from.
    public var note: String {
        let short = String(commit.prefix(12))
        switch origin {
        case .downloaded(let files, let bytes):
            return "downloaded \(files) file\(files == 1 ? "" : "s") (\(Self.size(bytes))) of `\(reference.repository)` at \(short)"
        case .cached:
            return "using the cached `\(reference.repository)` at \(short)"
        case .offline(let reason):
            return "offline (\(reason)): using the cached `\(reference.repository)` at \(short)"
        }
    }

    static func size(_ bytes: Int64) -> String {
        if bytes < 1 << 10 { return "\(bytes) B" }
        if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        if bytes < 1 << 30 { return String(format: "%.1f MiB", Double(bytes) / 1048576) }
        return String(format: "%.2f GiB", Double(bytes) / 1073741824)
    }
}

public final class HubClient {
    public let settings: HubSettings
    /// Checked between chunks of a download (and while waiting); true cancels it with
    /// `HubError.cancelled`.
    public var isCancelled: (() -> Bool)?

    public init(settings: HubSettings = .fromEnvironment(), isCancelled: (() -> Bool)? = nil) {
        self.settings = settings
        self.isCancelled = isCancelled
    }

    /// Fetches `repository` ("ORG/NAME") at `revision` and returns the snapshot directory.
    /// `progress` gets the file name, the bytes received so far and the total when known.
    public func snapshot(repository: String, revision: String = "main",
                         progress: ((String, Int64, Int64?) -> Void)? = nil) throws -> String {
        try fetch(HubReference(repository: repository, revision: revision), progress: progress).directory
    }

    /// Fetches what `reference` needs; see the file comment for the order of cache and network.
    public func fetch(_ reference: HubReference, refresh: Bool = false,
                      progress: ((String, Int64, Int64?) -> Void)? = nil) throws -> HubSnapshot {
        let cache = HubCache(root: settings.cacheDirectory, reference: reference)
        if settings.offline {
            if let cached = cachedSnapshot(cache, origin: .offline(reason: "HF_HUB_OFFLINE is set")) { return cached }
            throw HubError.offlineNotCached(repository: reference.repository, revision: reference.revision,
                                            cache: cache.repositoryDirectory)
        }
        if !refresh, let cached = cachedSnapshot(cache, origin: .cached) { return cached }
        do {
            return try download(reference, cache: cache, progress: progress)
        } catch let error as HubHTTP.TransportError {
            if let cached = cachedSnapshot(cache, origin: .offline(reason: "cannot reach \(settings.endpoint): \(error.reason)")) {
                return cached
            }
            throw HubError.unreachable(repository: reference.repository, revision: reference.revision,
                                       endpoint: settings.endpoint, reason: error.reason, cache: cache.repositoryDirectory)
        } catch let error as HubError {
            if case .http(_, _, let status, _) = error, status >= 500,
               let cached = cachedSnapshot(cache, origin: .offline(reason: "the hub answered HTTP \(status)")) {
                return cached
            }
            throw error
        }
    }

    // MARK: - The cache

    /// The cached snapshot for the reference's revision, when it holds every file needed.
    func cachedSnapshot(_ cache: HubCache, origin: HubSnapshot.Origin) -> HubSnapshot? {
        let reference = cache.reference
        guard let commit = cache.commit(for: reference.revision) else { return nil }
        let available = cache.files(commit: commit)
        guard let plan = try? HubFileSelection.plan(available: available, reference: reference) else { return nil }
        var files = plan.extras
        switch plan.weights {
        case .single(let name), .gguf(let name):
            files.append(name)
        case .sharded(let index):
            let path = cache.snapshotDirectory(commit) + "/" + index
            guard let data = FileManager.default.contents(atPath: path),
                  let shards = try? HubFileSelection.shards(indexData: data, repository: reference.repository, file: index),
                  shards.allSatisfy({ cache.has(commit: commit, file: $0) }) else { return nil }
            files += [index] + shards
        }
        return HubSnapshot(reference: reference, commit: commit, directory: cache.snapshotDirectory(commit),
                           files: files, origin: origin)
    }

    // MARK: - The network

    private func download(_ reference: HubReference, cache: HubCache,
                          progress: ((String, Int64, Int64?) -> Void)?) throws -> HubSnapshot {
        let http = HubHTTP(settings: settings)
        let (commit, available) = try revisionInfo(reference, http: http)
        let plan = try HubFileSelection.plan(available: available, reference: reference)
        var downloaded = 0
        var bytes: Int64 = 0
        func fetch(_ file: String) throws {
            if cache.has(commit: commit, file: file) { return }
            bytes += try downloadFile(file, reference: reference, commit: commit, cache: cache, http: http, progress: progress)
            downloaded += 1
        }
        var files = plan.extras
        for file in plan.extras { try fetch(file) }
        switch plan.weights {
        case .single(let name), .gguf(let name):
            try fetch(name)
            files.append(name)
        case .sharded(let index):
            try fetch(index)
            let data = FileManager.default.contents(atPath: cache.snapshotDirectory(commit) + "/" + index) ?? Data()
            let shards = try HubFileSelection.shards(indexData: data, repository: reference.repository, file: index)
            let listed = Set(available)
            if let missing = shards.first(where: { !listed.contains($0) }) {
                throw HubError.badResponse(repository: reference.repository, file: index,
                                           message: "the index lists the shard `\(missing)`, which the repository does not have")
            }
            for shard in shards { try fetch(shard) }
            files += [index] + shards
        }
        try cache.writeRef(revision: reference.revision, commit: commit)
        return HubSnapshot(reference: reference, commit: commit, directory: cache.snapshotDirectory(commit), files: files,
                           origin: downloaded == 0 ? .cached : .downloaded(files: downloaded, bytes: bytes))
    }

    /// The commit `reference.revision` points at and the repository's files, from the hub's API.
    private func revisionInfo(_ reference: HubReference, http: HubHTTP) throws -> (commit: String, files: [String]) {
        let url = try makeURL("/api/models/" + reference.repository + "/revision/" + Self.escape(reference.revision),
                              reference: reference)
        let response = try request(reference: reference) { try http.get(url, isCancelled: isCancelled) }
        try check(response, reference: reference, file: nil)
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            throw HubError.badResponse(repository: reference.repository, file: nil, message: "the revision information is not JSON")
        }
        guard let sha = (object["sha"] as? String) ?? response.header("X-Repo-Commit"), HubReference.isCommitHash(sha) else {
            throw HubError.badResponse(repository: reference.repository, file: nil, message: "no commit hash (`sha`) in the revision information")
        }
        let siblings = (object["siblings"] as? [[String: Any]]) ?? []
        return (sha, siblings.compactMap { $0["rfilename"] as? String })
    }

    /// Downloads `file` at `commit` into a blob and links it into the snapshot; returns its size.
    private func downloadFile(_ file: String, reference: HubReference, commit: String, cache: HubCache,
                              http: HubHTTP, progress: ((String, Int64, Int64?) -> Void)?) throws -> Int64 {
        let path = "/" + reference.repository + "/resolve/" + commit + "/"
            + file.split(separator: "/").map { Self.escape(String($0)) }.joined(separator: "/")
        let url = try makeURL(path, reference: reference)
        let temporary = try cache.temporaryBlobPath()
        defer { unlink(temporary) }
        let response = try request(file: file, reference: reference) {
            try http.download(url, to: temporary, progress: progress.map { report in { report(file, $0, $1) } },
                              isCancelled: isCancelled)
        }
        try check(response, reference: reference, file: file)
        guard let raw = response.header("X-Linked-Etag") ?? response.header("ETag") else {
            throw HubError.badResponse(repository: reference.repository, file: file, message: "no ETag header to name the file in the cache")
        }
        let etag = HubCache.normalize(etag: raw)
        if etag.isEmpty || etag.contains("/") || etag.hasPrefix(".") {
            throw HubError.badResponse(repository: reference.repository, file: file, message: "the ETag `\(raw)` is not usable as a file name")
        }
        try cache.storeBlob(from: temporary, etag: etag)
        try cache.link(commit: commit, file: file, etag: etag)
        return response.bytes
    }

    /// Runs an HTTP call, turning cancellation into `HubError.cancelled`.
    private func request(file: String? = nil, reference: HubReference,
                         _ body: () throws -> HubHTTP.Response) throws -> HubHTTP.Response {
        do { return try body() } catch is HubHTTP.Cancelled {
            throw HubError.cancelled(repository: reference.repository, file: file)
        }
    }

    private func check(_ response: HubHTTP.Response, reference: HubReference, file: String?) throws {
        let status = response.status
        if status == 200 { return }
        let message = response.finalHeader("X-Error-Message") ?? Self.errorText(response.body)
        switch status {
        case 401, 403:
            throw HubError.unauthorized(repository: reference.repository, file: file, status: status,
                                        tokenSet: settings.token != nil, message: message)
        case 404:
            throw HubError.notFound(repository: reference.repository, revision: reference.revision, file: file, message: message)
        default:
            throw HubError.http(repository: reference.repository, file: file, status: status, message: message)
        }
    }

    /// The `error` of a JSON error body, or a short plain-text body.
    static func errorText(_ body: Data) -> String? {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let error = object["error"] as? String {
            return error
        }
        guard let text = String(data: body.prefix(300), encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !text.isEmpty, !text.hasPrefix("<") else { return nil }
        return text
    }

    private func makeURL(_ path: String, reference: HubReference) throws -> URL {
        guard let url = URL(string: settings.endpoint + path), url.scheme != nil, url.host != nil else {
            throw HubError.badResponse(repository: reference.repository, file: nil,
                                       message: "HF_ENDPOINT `\(settings.endpoint)` does not make a valid URL")
        }
        return url
    }

    /// Percent-escapes one path segment (a `/` in a revision becomes %2F).
    static func escape(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}
