import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import HoneTrain

/// Taking and restoring snapshots of a session. Restoring rebuilds the session through the
/// same commands a person would type (`load model`, `quantize`, `load adapter`, `load data`),
/// so every check those make is made again; what they cannot know (hashes, active adapters,
/// variables, options) is set from the manifest.
enum Snapshots {
    static func directory(in context: CommandContext) -> String {
        var dir = "snapshots"
        if case .string(let s) = context.session.option("snapshots_dir"), !s.isEmpty { dir = s }
        return dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir
    }

    static func store(in context: CommandContext) -> SnapshotStore { SnapshotStore(directory: directory(in: context)) }

    // MARK: Saving

    static func capture(automatic: Bool, in context: CommandContext) throws -> SnapshotManifest {
        let session = context.session, workspace = session.workspace
        let store = store(in: context)
        var models: [SnapshotManifest.Model] = []
        for handle in workspace.models { models.append(try capture(handle, store: store, in: context)) }
        var dataSets: [SnapshotManifest.DataSetEntry] = []
        for handle in workspace.dataSets {
            let blob = try store.put(Array(handle.data.jsonLines().utf8))
            dataSets.append(.init(name: handle.name, file: handle.data.file, format: handle.data.format.rawValue, lines: handle.data.lines, blob: blob))
        }
        var variables: [SnapshotManifest.Variable] = []
        for (name, value) in session.allVariables {
            variables.append(.init(name: name, value: try encode(value, variable: name, in: context)))
        }
        var options: [String: SnapshotValue] = [:]
        for (name, value) in session.options { options[name] = try encode(value, variable: "option \(name)", in: context) }
        return SnapshotManifest(created: Date(), honeVersion: HoneVersion.string, options: options, variables: variables, models: models,
                                currentModel: workspace.currentModel?.name, dataSets: dataSets,
                                runs: workspace.runs.map { .init(name: $0.name, path: $0.path) }, automatic: automatic)
    }

    /// A model by reference, refused when its weights are no longer those of its files.
    static func capture(_ handle: ModelHandle, store: SnapshotStore, in context: CommandContext) throws -> SnapshotManifest.Model {
        let set = handle.model.linearHook as? AdapterSet
        if let merged = set?.merged {
            throw HoneError(.value, "`\(handle.name)` has adapter \(merged.name) merged into its weights, which a snapshot does not store yet",
                            at: context.call.range, hints: ["`unmerge` first; a snapshot keeps base weights by reference to their files"])
        }
        if context.session.workspace.runs.contains(where: { $0.modelName == handle.name && $0.configuration.adapter == nil }) {
            throw HoneError(.value, "`\(handle.name)` was fully fine-tuned in this session: its weights are not its files', and a snapshot does not store them yet",
                            at: context.call.range, hints: ["`save model DIR` keeps them; `load model DIR` then references that folder"])
        }
        guard FileManager.default.fileExists(atPath: handle.loaded.path) else {
            throw HoneError(.value, "`\(handle.name)` was not loaded from a file (\(handle.source)); a snapshot does not store made models yet",
                            at: context.call.range, hints: ["`save model DIR`, then `load model DIR`"])
        }
        let hash: String
        do { hash = try SnapshotStore.sha256(ofPath: handle.loaded.path) } catch { throw HoneError(.io, "\(error)", at: context.call.range) }
        var adapters: [SnapshotManifest.Adapter] = []
        for adapter in set?.adapters ?? [] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hone-snapshot-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try PEFTAdapterFile.write(try adapter.fileWeights(for: handle.model, baseModel: handle.source), to: folder)
            var files: [String: String] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                guard let data = FileManager.default.contents(atPath: folder + "/" + name) else { continue }
                files[name] = try store.put([UInt8](data))
            }
            adapters.append(.init(name: adapter.name, files: files))
        }
        let quantized = handle.loaded.format != .gguf ? handle.model.quantizedWeights.values.first.map { $0.format.rawValue } : nil
        return .init(name: handle.name, source: handle.source, path: handle.loaded.path, sha256: hash,
                     template: handle.template.map(TrainingRunner.describe), quantization: quantized,
                     adapters: adapters, activeAdapter: set?.activeName, adaptersEnabled: set?.isEnabled ?? true)
    }

    static func encode(_ value: Value, variable: String, in context: CommandContext) throws -> SnapshotValue {
        switch value {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let f): return .float(f)
        case .string(let s): return .string(s)
        case .list(let items): return .list(try items.map { try encode($0, variable: variable, in: context) })
        case .record(let r): return .record(type: r.typeName, fields: try r.fields.map { .init(name: $0.name, value: try encode($0.value, variable: variable, in: context)) })
        case .object(let object):
            switch object {
            case let m as ModelHandle: return .object(kind: "model", name: m.name)
            case let d as DataSetHandle: return .object(kind: "data", name: d.name)
            case let r as RunHandle: return .object(kind: "run", name: r.name)
            default:
                throw HoneError(.value, "`\(variable)` holds a \(object.typeName), which a snapshot cannot keep yet", at: context.call.range,
                                hints: ["`let \(variable) = none` drops it"])
            }
        }
    }

    // MARK: Restoring

    /// Checks everything the snapshot needs before the session is touched, then rebuilds it.
    static func restore(_ manifest: SnapshotManifest, name: String, in context: CommandContext) throws {
        let store = store(in: context)
        for model in manifest.models {
            let now: String
            do { now = try SnapshotStore.sha256(ofPath: model.path) } catch {
                throw HoneError(.value, "snapshot `\(name)` needs `\(model.path)` (model \(model.name)), which is gone", at: context.call.range)
            }
            guard now == model.sha256 else {
                throw HoneError(.value, "`\(model.path)` (model \(model.name)) changed since snapshot `\(name)` was taken; restoring it would not give back the same model",
                                at: context.call.range, hints: ["its SHA-256 was \(model.sha256.prefix(16))…, now \(now.prefix(16))…"])
            }
        }
        let needed = manifest.dataSets.map(\.blob) + manifest.models.flatMap { $0.adapters.flatMap { $0.files.values } }
        if let missing = needed.first(where: { !FileManager.default.fileExists(atPath: store.blobs + "/" + $0) }) {
            throw HoneError(.value, "snapshot `\(name)` is incomplete: the stored file blobs/\(missing) is missing", at: context.call.range)
        }
        let session = context.session
        session.reset()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hone-restore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        func run(_ statement: String) throws {
            _ = try context.interpreter.run(SourceFile(name: "<snapshot \(name)>", text: "set verbose=quiet\n" + statement))
        }
        let q = ChatLine.quoted
        do {
            for model in manifest.models {
                try run("load model \(q(model.path)) as \(model.name)")
                if let quantization = model.quantization { try run("quantize \(quantization)") }
                guard let handle = session.workspace.model(named: model.name) else { continue }
                if let description = model.template, let tokenizer = handle.tokenizer {
                    handle.template = try TrainingRunner.template(described: description, tokenizer: tokenizer)
                }
                for adapter in model.adapters {
                    let folder = scratch + "/\(model.name)-\(adapter.name)"
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    for (file, hash) in adapter.files { try AtomicFile.write(try store.get(hash), to: folder + "/" + file) }
                    try run("load adapter \(q(folder)) as \(adapter.name)")
                }
                if let set = handle.model.linearHook as? AdapterSet {
                    if let active = model.activeAdapter { try set.use(active) }
                    set.isEnabled = model.adaptersEnabled
                }
            }
            if let current = manifest.currentModel { session.workspace.use(current) }
            for entry in manifest.dataSets {
                let file = scratch + "/data-\(entry.blob).jsonl"
                try AtomicFile.write(try store.get(entry.blob), to: file)
                try run("load data \(q(file)) format=\(entry.format) as \(entry.name)")
                if let loaded = session.workspace.dataSet(named: entry.name), let format = DataFormat(rawValue: entry.format) {
                    session.workspace.add(DataSetHandle(name: entry.name, data: DataSet(file: entry.file, format: format, records: loaded.data.records, lines: entry.lines)))
                }
            }
            for reference in manifest.runs {
                guard let log = try? RunLog(path: reference.path),
                      let configuration = try? log.read(RunConfiguration.self, from: RunLog.configurationName) else {
                    context.say("note: run \(reference.name) is gone from \(reference.path); the snapshot keeps only its reference")
                    continue
                }
                let done = TrainerCheckpoint.latest(in: log.path)?.step ?? 0
                let handle = RunHandle(name: reference.name, path: log.path, configuration: configuration, modelName: configuration.model.name,
                                       loop: nil, status: done >= configuration.totalSteps ? .finished : .stopped)
                session.workspace.add(handle)
            }
        } catch let error as AdapterError {
            throw AdapterReference.error(error, context)
        }
        for (option, value) in manifest.options { session.setOption(option, try decode(value, in: context)) }
        if case .int(let threads) = session.option("threads"), threads != Parallel.threads {
            Parallel.settingsLock.lock()
            BLAS.configure(threads: threads)
            Parallel.threads = threads
            Parallel.settingsLock.unlock()
        }
        // Exactly the snapshot's variables: `load model … as NAME` above binds one of its own.
        session.replaceVariables(try manifest.variables.map { ($0.name, try decode($0.value, in: context)) })
    }

    static func decode(_ value: SnapshotValue, in context: CommandContext) throws -> Value {
        let workspace = context.session.workspace
        switch value {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let f): return .float(f)
        case .string(let s): return .string(s)
        case .list(let items): return .list(try items.map { try decode($0, in: context) })
        case .record(let type, let fields): return .record(Record(type, try fields.map { ($0.name, try decode($0.value, in: context)) }))
        case .object(let kind, let name):
            let found: (any SessionObject)? = switch kind {
            case "model": workspace.model(named: name)
            case "data": workspace.dataSet(named: name)
            case "run": workspace.run(named: name)
            default: nil
            }
            guard let found else { throw HoneError(.value, "the snapshot's variables name \(kind) `\(name)`, which it does not hold", at: context.call.range) }
            return .object(found)
        }
    }
}
