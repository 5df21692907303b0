/// A preference loss as a run's config.json records it, and as the `dpo`, `orpo` and `simpo`
/// commands spell it.
public struct PreferenceLossSettings: Codable, Sendable, Equatable {
    public static let kinds = ["sigmoid", "ipo", "hinge", "robust", "orpo", "simpo"]
    public var kind: String
    public var beta: Double
    public var labelSmoothing: Double
    public var gamma: Double

    public init(kind: String, beta: Double = 0.1, labelSmoothing: Double = 0, gamma: Double = 0.5) {
        self.kind = kind
        self.beta = beta
        self.labelSmoothing = labelSmoothing
        self.gamma = gamma
    }

    public var loss: PreferenceLoss {
        let (b, e, g) = (Float(beta), Float(labelSmoothing), Float(gamma))
        switch kind {
        case "ipo": return .ipo(beta: b)
        case "hinge": return .hinge(beta: b)
        case "robust": return .robust(beta: b, labelSmoothing: e)
        case "orpo": return .orpo(beta: b)
        case "simpo": return .simpo(beta: b, gamma: g)
        default: return .sigmoid(beta: b, labelSmoothing: e)
        }
    }

    /// "DPO (sigmoid, β 0.1)", "conservative DPO (β 0.1, ε 0.1)", "SimPO (β 2.5, γ 1.375)".
    public var description: String {
        switch kind {
        case "orpo": "ORPO (β \(beta))"
        case "simpo": "SimPO (β \(beta), γ \(gamma))"
        case "sigmoid" where labelSmoothing > 0: "conservative DPO (β \(beta), ε \(labelSmoothing))"
        case "robust": "DPO (robust, β \(beta), ε \(labelSmoothing))"
        default: "DPO (\(kind), β \(beta))"
        }
    }
}
