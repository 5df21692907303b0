import Crypto
import Foundation

/// Writes a target's seeds, each under its SHA-1 as libFuzzer names corpus files, so writing
/// twice adds nothing.
enum SeedCorpus {
    static func write(_ target: FuzzTarget, repository: String, shared: String, into folder: String) -> Int {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var written = Set<String>()
        for source in target.seeds {
            let base = URL(fileURLWithPath: source.root == .repository ? repository : shared).appendingPathComponent(source.folder)
            guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) else { continue }
            for case let url as URL in walker where source.matches(url.lastPathComponent) {
                let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
                guard values?.isRegularFile == true, (values?.fileSize ?? .max) <= source.maximumSize else { continue }
                for seed in source.seeds(url) {
                    let name = Insecure.SHA1.hash(data: seed).map { String(format: "%02x", $0) }.joined()
                    if written.insert(name).inserted {
                        FileManager.default.createFile(atPath: folder + "/" + name, contents: seed)
                    }
                }
            }
        }
        return written.count
    }
}
