import Foundation
import HoneModels

/// One line of a run's `metrics.jsonl`: a training step, an evaluation or a sample.
public struct MetricsEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case train
        case eval
        case sample
    }

    public var kind: Kind
    public var step: Int
    public var epoch: Double?
    public var loss: Double?
    public var learningRate: Double?
    public var gradientNorm: Double?
    public var tokensPerSecond: Double?
    public var elapsedSeconds: Double?
    public var validationLoss: Double?
    public var prompt: String?
    public var text: String?
    /// What the objective reports beside the loss (`rewards/accuracies`, `rewards/margins`, …).
    public var figures: [String: Double]?

    public init(kind: Kind, step: Int) {
        self.kind = kind
        self.step = step
    }

    enum CodingKeys: String, CodingKey {
        case kind, step, epoch, loss, prompt, text, figures
        case learningRate = "lr"
        case gradientNorm = "grad_norm"
        case tokensPerSecond = "tokens_per_second"
        case elapsedSeconds = "elapsed_s"
        case validationLoss = "val_loss"
    }
}

/// A run's folder: `config.json` (its settings), `metrics.jsonl` (appended as it trains),
/// `checkpoints/`, the tokenised examples a resume needs, and plots.
public final class RunLog {
    public let path: String
    public static let configurationName = "config.json"
    public static let metricsName = "metrics.jsonl"

    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public var metricsPath: String { path + "/" + Self.metricsName }

    public func write<T: Encodable>(_ value: T, as name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(value)) + [10], to: path + "/" + name)
    }

    public func read<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path + "/" + name)))
    }

    /// Appends one event as a line. Appending is not atomic, but a torn last line is skipped
    /// when reading and cut when resuming.
    public func append(_ event: MetricsEvent) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(event)
        line.append(10)
        if !FileManager.default.fileExists(atPath: metricsPath) {
            _ = FileManager.default.createFile(atPath: metricsPath, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: metricsPath))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
    }

    /// The events logged so far, skipping lines that do not parse (a line torn by a kill).
    public func events() -> [MetricsEvent] {
        Self.events(at: metricsPath)
    }

    public static func events(at path: String) -> [MetricsEvent] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return text.split(separator: "\n").compactMap { try? decoder.decode(MetricsEvent.self, from: Data($0.utf8)) }
    }

    /// Keeps only the events up to `step` (a resume from that checkpoint logs the rest again).
    public func truncate(after step: Int) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for event in events() where event.step <= step {
            bytes += Array(try encoder.encode(event)) + [10]
        }
        try AtomicFile.write(bytes, to: metricsPath)
    }

    /// Tokenised examples, one JSON object per line, so a resumed run trains on exactly these.
    public func writeExamples(_ examples: [(ids: [Int], labels: [Int])], as name: String) throws {
        var text = ""
        for e in examples {
            text += "{\"ids\":[" + e.ids.map(String.init).joined(separator: ",") + "],\"labels\":["
                + e.labels.map(String.init).joined(separator: ",") + "]}\n"
        }
        try AtomicFile.write(Array(text.utf8), to: path + "/" + name)
    }

    /// Tokenised preference pairs, one JSON object per line.
    public func writePairs(_ pairs: [PreferencePair], as name: String) throws {
        func list(_ ids: [Int]) -> String { "[" + ids.map(String.init).joined(separator: ",") + "]" }
        let text = pairs.map { "{\"prompt\":\(list($0.prompt)),\"chosen\":\(list($0.chosen)),\"rejected\":\(list($0.rejected))}\n" }.joined()
        try AtomicFile.write(Array(text.utf8), to: path + "/" + name)
    }

    public func readPairs(_ name: String) throws -> [PreferencePair] {
        struct Line: Decodable { var prompt: [Int]; var chosen: [Int]; var rejected: [Int] }
        let text = try String(contentsOfFile: path + "/" + name, encoding: .utf8)
        return try text.split(separator: "\n").enumerated().map { i, line in
            guard let p = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)), !p.prompt.isEmpty, !p.chosen.isEmpty, !p.rejected.isEmpty else {
                throw TrainingError.checkpoint("\(path)/\(name):\(i + 1): not a pair ({\"prompt\", \"chosen\", \"rejected\"} token ids)")
            }
            return PreferencePair(prompt: p.prompt, chosen: p.chosen, rejected: p.rejected)
        }
    }

    public func readExamples(_ name: String) throws -> [(ids: [Int], labels: [Int])] {
        struct Line: Decodable { var ids: [Int]; var labels: [Int] }
        let text = try String(contentsOfFile: path + "/" + name, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").enumerated().map { i, line in
            guard let e = try? decoder.decode(Line.self, from: Data(line.utf8)), e.ids.count == e.labels.count else {
                throw TrainingError.checkpoint("\(path)/\(name):\(i + 1): not an example ({\"ids\": [...], \"labels\": [...]} of equal length)")
            }
            return (e.ids, e.labels)
        }
    }
}

/// The fingerprint of tokenised pairs (as examples of prompt+chosen and rejected).
public func dataFingerprint(_ pairs: [PreferencePair]) -> String {
    dataFingerprint(pairs.map { (ids: $0.prompt + $0.chosen, labels: $0.rejected) })
}

/// A 64-bit FNV-1a fingerprint of tokenised examples: two runs on the same data agree on it.
public func dataFingerprint(_ examples: [(ids: [Int], labels: [Int])]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ value: Int) {
        var v = UInt64(bitPattern: Int64(value))
        for _ in 0..<8 {
            hash = (hash ^ (v & 0xff)) &* 0x100_0000_01b3
            v >>= 8
        }
    }
    for e in examples {
        mix(e.ids.count)
        e.ids.forEach(mix)
        e.labels.forEach(mix)
    }
    return String(hash, radix: 16)
}
