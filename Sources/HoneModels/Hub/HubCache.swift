// The huggingface_hub cache layout, shared with the Python tools:
//   {cache}/models--ORG--NAME/blobs/{etag}                 the file's bytes
//   {cache}/models--ORG--NAME/snapshots/{commit}/{file}    a relative symlink to ../../blobs/{etag}
//   {cache}/models--ORG--NAME/refs/{revision}              the commit a branch or tag pointed at
// A blob appears only by rename of a complete download, and a snapshot entry only once its blob
// is complete, so an interrupted download leaves nothing that looks finished.
import Foundation

struct HubCache {
    let root: String
    let reference: HubReference

    var repositoryDirectory: String { root + "/" + reference.cacheFolderName }
    var blobsDirectory: String { repositoryDirectory + "/blobs" }
    func snapshotDirectory(_ commit: String) -> String { repositoryDirectory + "/snapshots/" + commit }
    func blobPath(_ etag: String) -> String { blobsDirectory + "/" + etag }
    func refPath(_ revision: String) -> String { repositoryDirectory + "/refs/" + revision }

    /// The commit `revision` names in the cache: itself when it is a commit hash, else what
    /// `refs/{revision}` holds.
    func commit(for revision: String) -> String? {
        if HubReference.isCommitHash(revision) { return revision }
        guard let data = FileManager.default.contents(atPath: refPath(revision)),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !text.isEmpty, !text.contains("/") else { return nil }
        return text
    }

    func writeRef(revision: String, commit: String) throws {
        guard revision != commit else { return }
        let path = refPath(revision)
        try makeDirectory((path as NSString).deletingLastPathComponent)
        do { try AtomicFile.write(Array(commit.utf8), to: path) } catch {
            throw HubError.cache(path: path, message: "\(error)")
        }
    }

    /// Whether the snapshot of `commit` has `file` (a symlink whose blob exists, or a plain file).
    func has(commit: String, file: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: snapshotDirectory(commit) + "/" + file, isDirectory: &isDirectory)
            && !isDirectory.boolValue
    }

    /// Every file of the snapshot of `commit`, relative to it, whose contents exist.
    func files(commit: String) -> [String] {
        let directory = snapshotDirectory(commit)
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            if has(commit: commit, file: path) { files.append(path) }
        }
        return files.sorted()
    }

    /// A fresh name in the blobs directory for a download in progress.
    func temporaryBlobPath() throws -> String {
        try makeDirectory(blobsDirectory)
        return blobsDirectory + "/.download-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).incomplete"
    }

    /// Moves a complete download into place as the blob `etag`.
    func storeBlob(from temporary: String, etag: String) throws {
        guard rename(temporary, blobPath(etag)) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw HubError.cache(path: blobPath(etag), message: reason)
        }
    }

    /// Points `snapshots/{commit}/{file}` at `blobs/{etag}` with a relative symlink, replacing
    /// whatever was there.
    func link(commit: String, file: String, etag: String) throws {
        let path = snapshotDirectory(commit) + "/" + file
        try makeDirectory((path as NSString).deletingLastPathComponent)
        let depth = 2 + file.filter { $0 == "/" }.count
        let target = String(repeating: "../", count: depth) + "blobs/" + etag
        let temporary = path + ".link-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard symlink(target, temporary) == 0 else {
            throw HubError.cache(path: path, message: String(cString: strerror(errno)))
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw HubError.cache(path: path, message: reason)
        }
    }

    func makeDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw HubError.cache(path: path, message: (error as NSError).localizedDescription)
        }
    }

    /// The hub's ETag as a blob name: without a `W/` prefix and quotes.
    static func normalize(etag: String) -> String {
        var text = etag.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        return text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
}
