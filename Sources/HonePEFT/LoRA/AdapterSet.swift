import HoneModels
import HoneTensor

/// The adapters on one model, and which of them its linear layers use. It is the model's
/// `linearHook`: while an adapter is active, enabled and not merged, each targeted layer adds
/// its low-rank path; otherwise every layer computes its base product, bit for bit.
public final class AdapterSet: LinearLayerHook {
    public unowned let model: any LanguageModel
    public private(set) var adapters: [LoRAAdapter] = []
    public private(set) var activeName: String?
    /// `disable adapter`: the base model back, exactly, without removing anything.
    public var isEnabled = true
    /// The adapter folded into the base weights, with the weights it replaced (and the format of
    /// those that were quantised, which `unmerge` quantises again).
    public private(set) var merged: (name: String, originals: [String: Tensor], formats: [String: QuantizationFormat])?

    /// The set on `model`, installing one as its hook when it has none.
    public static func on(_ model: any LanguageModel) -> AdapterSet {
        if let existing = model.linearHook as? AdapterSet { return existing }
        let set = AdapterSet(model: model)
        model.linearHook = set
        return set
    }

    init(model: any LanguageModel) { self.model = model }

    public var active: LoRAAdapter? { activeName.flatMap(adapter(named:)) }
    public func adapter(named name: String) -> LoRAAdapter? { adapters.first { $0.name == name } }

    /// Adds `adapter` (replacing one of the same name) and makes it the active one.
    public func add(_ adapter: LoRAAdapter) throws {
        if merged != nil { throw AdapterError("an adapter is merged into the weights; `unmerge` it before adding another") }
        adapters.removeAll { $0.name == adapter.name }
        adapters.append(adapter)
        activeName = adapter.name
        isEnabled = true
    }

    public func use(_ name: String) throws {
        guard adapter(named: name) != nil else { throw unknown(name) }
        if let merged, merged.name != name { throw AdapterError("`\(merged.name)` is merged into the weights; `unmerge` it first") }
        activeName = name
    }

    public func delete(_ name: String) throws {
        guard adapter(named: name) != nil else { throw unknown(name) }
        if merged?.name == name { throw AdapterError("`\(name)` is merged into the weights; `unmerge` it before deleting it") }
        adapters.removeAll { $0.name == name }
        if activeName == name { activeName = adapters.last?.name }
    }

    public func unknown(_ name: String) -> AdapterError {
        let names = adapters.map(\.name)
        var hints = [names.isEmpty ? "the model has no adapters" : "adapters: " + names.joined(separator: ", ")]
        if let near = LoRASettings.nearest(name, among: names) { hints.insert("did you mean `\(near)`?", at: 0) }
        return AdapterError("no adapter named `\(name)`", hints: hints)
    }

    public func output(of module: String, input: Tensor, weight: () -> Tensor, bias: Tensor?, base: () -> Tensor) -> Tensor {
        guard isEnabled, merged == nil, let layer = active?.layer(for: module) else { return base() }
        return layer.output(input: input, weight: weight, bias: bias, base: base)
    }

    /// Folds the active adapter into the base weights (W + s·BA, or DoRA's form); the model then
    /// runs at base speed with the adapter's outputs. `unmerge` puts the original weights back.
    @discardableResult
    public func merge() throws -> LoRAAdapter {
        guard let adapter = active else { throw AdapterError("there is no active adapter to merge") }
        if let merged { throw AdapterError("`\(merged.name)` is already merged") }
        let weights = Dictionary(model.parameters.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        var originals: [String: Tensor] = [:], formats: [String: QuantizationFormat] = [:]
        for layer in adapter.layers {
            let name = layer.module.name + ".weight"
            guard let w = weights[name] else { continue }
            // A quantised weight is dequantised (`parameters` did that) and merged in float32.
            if let q = model.quantizedWeights[name] { formats[name] = q.format }
            originals[name] = w
            try model.replaceWeight(name, with: layer.merged(w))
        }
        merged = (adapter.name, originals, formats)
        return adapter
    }

    /// Puts back the weights `merge` replaced, exactly.
    public func unmerge() throws {
        guard let merged else { throw AdapterError("no adapter is merged") }
        for (name, original) in merged.originals {
            try model.replaceWeight(name, with: original)
            if let format = merged.formats[name] { try model.quantizeWeight(name, format: format) }
        }
        self.merged = nil
    }

    /// The parameters training updates: the active adapter's, when it is enabled and not merged.
    public var trainableParameters: [Tensor] {
        guard isEnabled, merged == nil, let active else { return [] }
        return active.trainableParameters
    }
}
