import Foundation
import HoneModels
import HoneTrain

/// The named models a session holds and which one commands use when none is named.
public final class Workspace {
    public private(set) var models: [ModelHandle] = []
    /// The name of the model commands use by default: the last loaded or `use`d.
    public private(set) var currentModelName: String?

    /// Data sets by name, in the order they were added (`load data`, `split`, `clean`).
    public private(set) var dataSets: [DataSetHandle] = []
    /// The prompt template `template …` chose; nil until then. A model that was trained keeps
    /// its own (`ModelHandle.template`), which wins for it.
    public var template: PromptTemplate?
    /// Training runs of this session, and runs `resume` found on disk, oldest first.
    public private(set) var runs: [RunHandle] = []
    /// Retrieval indexes by name (`rag index DOCS as NAME`), oldest first.
    public private(set) var indexes: [RetrievalIndexHandle] = []

    public init() {}

    public func index(named name: String) -> RetrievalIndexHandle? { indexes.first { $0.name == name } }

    /// Adds `handle`, replacing an index of the same name.
    public func add(_ handle: RetrievalIndexHandle) {
        if let i = indexes.firstIndex(where: { $0.name == handle.name }) { indexes[i] = handle } else { indexes.append(handle) }
    }

    public func run(named name: String) -> RunHandle? { runs.first { $0.name == name } }

    public func add(_ run: RunHandle) {
        if let i = runs.firstIndex(where: { $0.name == run.name }) { runs[i] = run } else { runs.append(run) }
    }

    public func dataSet(named name: String) -> DataSetHandle? { dataSets.first { $0.name == name } }

    /// Adds `handle`, replacing a data set of the same name.
    public func add(_ handle: DataSetHandle) {
        if let i = dataSets.firstIndex(where: { $0.name == handle.name }) { dataSets[i] = handle } else { dataSets.append(handle) }
    }

    @discardableResult
    public func removeDataSet(_ name: String) -> DataSetHandle? {
        guard let i = dataSets.firstIndex(where: { $0.name == name }) else { return nil }
        return dataSets.remove(at: i)
    }

    public var currentModel: ModelHandle? { currentModelName.flatMap(model(named:)) }

    public func model(named name: String) -> ModelHandle? { models.first { $0.name == name } }

    /// Adds `handle`, replacing a model of the same name, and makes it current.
    public func add(_ handle: ModelHandle) {
        models.removeAll { $0.name == handle.name }
        models.append(handle)
        currentModelName = handle.name
    }

    public func use(_ name: String) { currentModelName = name }

    /// Removes the model `name`; the current model becomes the last remaining one.
    @discardableResult
    public func remove(_ name: String) -> ModelHandle? {
        guard let index = models.firstIndex(where: { $0.name == name }) else { return nil }
        let removed = models.remove(at: index)
        if currentModelName == name { currentModelName = models.last?.name }
        return removed
    }

    public func removeAll() {
        models = []
        currentModelName = nil
        dataSets = []
        template = nil
        runs = []
        indexes = []
    }
}

/// A loaded model as the language sees it: a session object with fields for scripts
/// (`m.parameters`, `m.architecture`).
public final class ModelHandle: SessionObject, @unchecked Sendable {
    public let name: String
    public let loaded: LoadedModel
    /// Where it was loaded from, as the user wrote it (`hf:ORG/NAME` or a path).
    public let source: String
    /// The template this model was trained with (or loaded with): `generate`, `eval` and saving
    /// use it, so training and inference agree. Nil: none known yet.
    public var template: PromptTemplate?
    /// True once `train` has changed this model (its adapter or, for method=full, its weights).
    public var trained = false
    /// The untrained model's loss on data sets by name, kept where the base can no longer be
    /// computed (full fine-tuning changes the weights themselves), for `eval`'s comparisons.
    public var baseMetrics: [String: LossMetrics] = [:]
    /// The scalar head `reward train` trained on this model, which `score` uses.
    public var rewardHead: RewardHead?

    public init(name: String, loaded: LoadedModel, source: String) {
        self.name = name
        self.loaded = loaded
        self.source = source
    }

    public var model: any LanguageModel { loaded.model }
    public var tokenizer: (any Tokenizer)? { loaded.tokenizer }

    public var typeName: String { "model" }

    public var summary: String {
        "model \(name): \(model.architecture.rawValue), \(ModelHandle.count(model.parameterCount)) parameters, from \(source)"
    }

    public var fieldNames: [String] {
        ["name", "architecture", "parameters", "layers", "hidden_size", "heads", "kv_heads", "vocab_size", "context_length", "format", "path"]
    }

    public func field(_ name: String) -> Value? {
        switch name {
        case "name": .string(self.name)
        case "architecture": .string(model.architecture.rawValue)
        case "parameters": .int(model.parameterCount)
        case "layers": .int(model.layerCount)
        case "hidden_size": .int(model.hiddenSize)
        case "heads": .int(model.attentionHeads)
        case "kv_heads": .int(model.keyValueHeads)
        case "vocab_size": .int(model.vocabularySize)
        case "context_length": .int(model.contextLength)
        case "format": .string(loaded.format.rawValue)
        case "path": .string(loaded.path)
        default: nil
        }
    }

    /// 260,032 → "260.0K"; 24,380,160 → "24.4M".
    static func count(_ n: Int) -> String {
        switch n {
        case ..<1_000: "\(n)"
        case ..<1_000_000: String(format: "%.1fK", Double(n) / 1e3)
        case ..<1_000_000_000: String(format: "%.1fM", Double(n) / 1e6)
        default: String(format: "%.2fB", Double(n) / 1e9)
        }
    }

    /// 1,048,576 → "1.0 MiB".
    static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }
}
