import Crypto
import Foundation
import HoneModels

/// The snapshots folder: `NAME/manifest.json` per snapshot and `blobs/SHA256` for the bytes
/// they keep. A blob is written to a temporary name and renamed, so it is whole or absent; a
/// snapshot's folder is built under a temporary name and renamed in after its manifest, so a
/// snapshot killed half-way is never listed, and the one it replaces stays until then.
struct SnapshotStore {
    let directory: String

    var blobs: String { directory + "/blobs" }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of a file, or of a folder's files (each name and hash, in name order).
    static func sha256(ofPath path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SnapshotError("`\(path)` is gone")
        }
        if !isDirectory.boolValue { return try sha256(ofFile: path) }
        var hasher = SHA256()
        let names = try FileManager.default.subpathsOfDirectory(atPath: path).sorted()
        for name in names {
            var sub: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &sub), !sub.boolValue else { continue }
            hasher.update(data: Array((name + "\0" + (try sha256(ofFile: path + "/" + name)) + "\n").utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Streams the file through SHA-256 in 16 MiB pieces, so a model of several GB is not read
    /// into memory at once.
    static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SnapshotError("cannot read `\(path)`") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 16 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Keeps `bytes` as a blob; returns its hash. Bytes already kept are not written again.
    func put(_ bytes: [UInt8]) throws -> String {
        let hash = Self.sha256(bytes)
        let path = blobs + "/" + hash
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
            try AtomicFile.write(bytes, to: path)
        }
        return hash
    }

    /// A blob's bytes, checked against their hash.
    func get(_ hash: String) throws -> [UInt8] {
        let path = blobs + "/" + hash
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SnapshotError("the stored file blobs/\(hash) is missing")
        }
        let bytes = [UInt8](data)
        guard Self.sha256(bytes) == hash else { throw SnapshotError("the stored file blobs/\(hash) is damaged: its bytes no longer match their hash") }
        return bytes
    }

    /// Writes `manifest` as the snapshot `name`, replacing one of that name only once it is whole.
    func write(_ manifest: SnapshotManifest, name: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let staging = directory + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: false)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try AtomicFile.write([UInt8](try encoder.encode(manifest)), to: staging + "/" + SnapshotManifest.fileName)
            let target = directory + "/" + name
            if fm.fileExists(atPath: target) {
                let old = directory + "/.\(name).old-\(getpid())"
                try fm.moveItem(atPath: target, toPath: old)
                try fm.moveItem(atPath: staging, toPath: target)
                try? fm.removeItem(atPath: old)
            } else {
                try fm.moveItem(atPath: staging, toPath: target)
            }
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
    }

    func read(_ name: String) throws -> SnapshotManifest {
        let path = directory + "/" + name + "/" + SnapshotManifest.fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SnapshotError("the snapshot `\(name)` is incomplete: it has no \(SnapshotManifest.fileName)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            let manifest = try decoder.decode(SnapshotManifest.self, from: data)
            guard manifest.version == SnapshotManifest.currentVersion else {
                throw SnapshotError("`\(path)` is a version \(manifest.version) snapshot; this hone reads version \(SnapshotManifest.currentVersion)")
            }
            return manifest
        } catch let error as SnapshotError {
            throw error
        } catch {
            throw SnapshotError("`\(path)` is not a snapshot manifest: \(error)")
        }
    }

    /// The complete snapshots, oldest first, with their manifests.
    func list() -> [(name: String, manifest: SnapshotManifest)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") && $0 != "blobs" }
        return names.compactMap { name in (try? read(name)).map { (name, $0) } }.sorted { $0.manifest.created < $1.manifest.created }
    }

    /// Names of folders that look like snapshots but have no manifest.
    func incomplete() -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") && $0 != "blobs" }
        return names.filter { !FileManager.default.fileExists(atPath: directory + "/" + $0 + "/" + SnapshotManifest.fileName) }
    }

    /// The bytes a snapshot's stored files take (each blob it names, once).
    func size(of manifest: SnapshotManifest) -> Int {
        var hashes = Set(manifest.dataSets.map(\.blob))
        for model in manifest.models { for adapter in model.adapters { hashes.formUnion(adapter.files.values) } }
        return hashes.reduce(0) { total, hash in
            total + ((try? FileManager.default.attributesOfItem(atPath: blobs + "/" + hash)[.size] as? Int) ?? 0)
        }
    }
}

struct SnapshotError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
