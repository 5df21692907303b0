import Foundation
import HoneModels
import HoneTensor

/// One named adapter: its settings and a LoRA layer per targeted module.
public final class LoRAAdapter {
    public let name: String
    public let settings: LoRASettings
    /// By module name, in the model's order.
    public let layers: [LoRALayer]
    private let byModule: [String: LoRALayer]

    public init(name: String, settings: LoRASettings, layers: [LoRALayer]) {
        self.name = name
        self.settings = settings
        self.layers = layers
        byModule = Dictionary(layers.map { ($0.module.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func layer(for module: String) -> LoRALayer? { byModule[module] }

    /// A fresh adapter on `model`: A initialised as `settings.initialization` says (seeded),
    /// B zero, and for DoRA the magnitude at ‖W‖ per output row, so the model's outputs are
    /// unchanged until training moves B.
    public static func fresh(name: String, settings: LoRASettings, on model: any LanguageModel) throws -> LoRAAdapter {
        if let problem = LoRASettings.rankProblem(settings.rank) { throw AdapterError(problem) }
        if settings.initialization == .pissa { return try pissa(name: name, settings: settings, on: model) }
        let modules = try settings.targetedModules(of: model)
        var random = RandomGenerator(seed: settings.seed)
        let weights = Dictionary(model.parameters.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let layers = modules.enumerated().map { index, module -> LoRALayer in
            let r = settings.rank
            let a: Tensor
            switch settings.initialization {
            case .kaiming:
                let bound = 1 / Float(module.inFeatures).squareRoot()
                a = Tensor.uniform([r, module.inFeatures], -bound, bound, using: &random)
            case .gaussian, .pissa:
                a = Tensor.randn([r, module.inFeatures], std: 1 / Float(r), using: &random)
            }
            let b = Tensor(shape: [module.outFeatures, r], repeating: 0)
            var magnitude: Tensor?
            if settings.dora, let w = weights[module.name + ".weight"] {
                let outIn = module.storesTransposed ? w.transposed().contiguous() : w.contiguous()
                magnitude = LoRALayer.rowNorms(of: outIn)
            }
            for t in [a, b] + (magnitude.map { [$0] } ?? []) { t.requiresGrad = true }
            return LoRALayer(module: module, a: a, b: b, magnitude: magnitude, scaling: Float(settings.scaling),
                             dropout: Float(settings.dropout), seed: settings.seed &+ UInt64(index) &* 0x9E37_79B9)
        }
        return LoRAAdapter(name: name, settings: settings, layers: layers)
    }

    /// PiSSA (PEFT's `init_lora_weights="pissa"`): each targeted W [out, in] = U·S·Vᵀ; with the
    /// top r, A = diag(√(S_r/s))·Vᵀ_r, B = U_r·diag(√(S_r/s)), and W becomes W − s·BA.
    static func pissa(name: String, settings: LoRASettings, on model: any LanguageModel) throws -> LoRAAdapter {
        if settings.dora { throw AdapterError("PiSSA initialisation is for LoRA; DoRA starts from the weight's norms", hints: ["use init=kaiming with dora"]) }
        if !model.quantizedWeights.isEmpty { throw AdapterError("PiSSA changes the base weights, which are quantised here", hints: ["add the PiSSA adapter before `quantize`"]) }
        let modules = try settings.targetedModules(of: model)
        let r = settings.rank
        if let small = modules.first(where: { min($0.inFeatures, $0.outFeatures) < r }) {
            throw AdapterError("r=\(r) exceeds the rank \(min(small.inFeatures, small.outFeatures)) of \(small.name)")
        }
        let weights = Dictionary(model.parameters.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let scaling = Float(settings.scaling)
        var layers: [LoRALayer] = []
        for (index, module) in modules.enumerated() {
            let stored = weights[module.name + ".weight"]!
            let w = module.storesTransposed ? stored.transposed().contiguous() : stored.contiguous()
            let svd = try SVD.decompose(w)
            let roots = svd.s.prefix(r).map { ($0 / scaling).squareRoot() }
            let vt = svd.vt.scalars, u = svd.u.scalars, k = svd.s.count
            let a = Tensor(shape: [r, module.inFeatures], values: (0..<(r * module.inFeatures)).map { roots[$0 / module.inFeatures] * vt[$0] })
            let b = Tensor(shape: [module.outFeatures, r], values: (0..<(module.outFeatures * r)).map { i in roots[i % r] * u[(i / r) * k + i % r] })
            a.requiresGrad = true
            b.requiresGrad = true
            let layer = LoRALayer(module: module, a: a, b: b, magnitude: nil, scaling: scaling, dropout: Float(settings.dropout),
                                  seed: settings.seed &+ UInt64(index) &* 0x9E37_79B9)
            let residual = GradMode.withoutGradients { w - layer.delta() }
            try model.replaceWeight(module.name + ".weight", with: module.storesTransposed ? residual.transposed().contiguous() : residual.contiguous())
            layers.append(layer)
        }
        return LoRAAdapter(name: name, settings: settings, layers: layers)
    }

    public var trainableParameters: [Tensor] { layers.flatMap(\.parameters) }
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
}
