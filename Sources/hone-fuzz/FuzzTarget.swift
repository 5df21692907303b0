import Foundation

/// One libFuzzer target: a few lines that hand the input to one of hone's real entry points and
/// discard the result. A thrown error is the right answer to bad input; only a crash, a
/// sanitizer report, a leak, a time-out or running out of memory is a finding.
struct FuzzTarget: Sendable {
    let name: String
    let summary: String
    /// Where the seed corpus comes from (`scripts/fuzz` copies these once into `.build/fuzz/NAME`).
    let seeds: [SeedSource]
    /// libFuzzer options this target always runs with (a dictionary, a length limit).
    var options: [String] = []
    let run: @Sendable (UnsafeRawBufferPointer) -> Void
}

/// Files whose names pass `matches`, under `folder` of the repository or of `../shared`,
/// up to `maximumSize` bytes each (a seed is read on every mutation, so whole models are left out),
/// or seeds hone-fuzz makes itself from such files.
struct SeedSource: Sendable {
    enum Root: Sendable { case repository, shared }
    let root: Root
    let folder: String
    let matches: @Sendable (String) -> Bool
    var maximumSize = 2 << 20
    /// Turns one found file into seeds (default: the file itself).
    var seeds: @Sendable (URL) -> [Data] = { url in (try? Data(contentsOf: url)).map { [$0] } ?? [] }

    static func files(_ root: Root, _ folder: String, named names: Set<String>) -> SeedSource {
        SeedSource(root: root, folder: folder, matches: { names.contains($0) })
    }

    static func files(_ root: Root, _ folder: String, ending suffixes: [String]) -> SeedSource {
        SeedSource(root: root, folder: folder, matches: { name in suffixes.contains { name.hasSuffix($0) } })
    }
}

/// A file path in errors; hone's readers name the file they refuse.
let fuzzInputName = "fuzz-input"

/// For entry points that only read from a path: one file per process, rewritten for each input
/// (under TMPDIR, normally a tmpfs-backed /tmp on CI machines).
struct ScratchFile: Sendable {
    let path: String

    init(suffix: String) {
        let folder = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        path = "\(folder)/hone-fuzz-\(getpid())-\(suffix)"
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> String {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }
}

extension UnsafeRawBufferPointer {
    var text: String { String(decoding: self, as: UTF8.self) }
    var array: [UInt8] { Array(self) }
}
