import Foundation
import HoneModels
import HoneTrain

/// How `train`, `eval` and `resume` find their data sets, run names and folders.
enum TrainingData {
    static let trainExamplesName = "train_examples.jsonl"
    static let validationExamplesName = "val_examples.jsonl"
    static let trainPairsName = "train_pairs.jsonl"
    static let validationPairsName = "val_pairs.jsonl"

    /// The named data set, or the newest one that is not a `.val`/`.test` part (preferring
    /// the `.train` part of a split one).
    static func training(_ name: String?, in context: CommandContext, range: SourceRange?) throws -> DataSetHandle {
        if let name { return try DataReference.resolve(name, in: context, range: range) }
        let workspace = context.session.workspace
        let candidates = workspace.dataSets.filter { !$0.name.hasSuffix(".val") && !$0.name.hasSuffix(".test") && $0.data.format != .preference }
        guard var chosen = candidates.last else {
            throw HoneError(.value, "no data to train on", at: context.call.range,
                            hints: ["`load data PATH` loads a data set (JSONL or JSON: alpaca, prompt/completion, messages, text)"])
        }
        if let train = workspace.dataSet(named: chosen.name + ".train") { chosen = train }
        return chosen
    }

    /// `val=NAME`, else NAME.val beside NAME.train.
    static func validation(_ name: String?, beside data: DataSetHandle, in context: CommandContext, range: SourceRange?) throws -> DataSetHandle? {
        if let name { return try DataReference.resolve(name, in: context, range: range) }
        guard data.name.hasSuffix(".train") else { return nil }
        return context.session.workspace.dataSet(named: String(data.name.dropLast(6)) + ".val")
    }

    static func runsDirectory(in context: CommandContext) -> String {
        var dir = "runs"
        if case .string(let s) = context.session.option("runs_dir"), !s.isEmpty { dir = s }
        return dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir
    }

    /// The given name, refused when a run of that name already has a folder; else run-N.
    static func runName(_ given: String?, in context: CommandContext, range: SourceRange?) throws -> String {
        let dir = runsDirectory(in: context)
        let fm = FileManager.default
        if let given {
            if fm.fileExists(atPath: dir + "/" + given + "/" + RunLog.configurationName) {
                throw HoneError(.value, "a run named `\(given)` already exists in \(dir)", at: range ?? context.call.range,
                                hints: ["`resume \(given)` continues it; or choose another name"])
            }
            return given
        }
        var n = 1
        while fm.fileExists(atPath: dir + "/run-\(n)") || context.session.workspace.run(named: "run-\(n)") != nil { n += 1 }
        return "run-\(n)"
    }

    /// What `resume` in a new process loads: the hub id, or the absolute path that was read.
    static func reloadableSource(of handle: ModelHandle) -> String {
        handle.source.hasPrefix("hf:") ? handle.source : handle.loaded.path
    }

    /// The model as a run's config.json records it.
    static func describe(_ handle: ModelHandle) -> RunConfiguration.ModelDescription {
        .init(name: handle.name, source: reloadableSource(of: handle), architecture: handle.model.architecture.rawValue,
              parameters: handle.model.parameterCount, quantization: handle.model.quantizedWeights.values.first.map { $0.format.rawValue })
    }

    /// A data set as a run's config.json records it.
    static func describe(_ data: DataSetHandle, examples: Int, fingerprint: String) -> RunConfiguration.DataDescription {
        .init(name: data.name, file: data.data.file, format: data.data.format.rawValue, examples: examples, fingerprint: fingerprint)
    }
}
