import HoneTensor

/// Preference-optimisation losses on summed completion log-probs, with TRL 1.16's definitions
/// (docs/ANCHORS §3.7; numbers in ../shared/models/dpo-reference). Each loss is the mean over
/// pairs. With Δ = (π_c − ref_c) − (π_r − ref_r):
///
/// - `sigmoid` (DPO): −log σ(βΔ). With `labelSmoothing` ε > 0 it is conservative DPO,
///   −(1−ε) log σ(βΔ) − ε log σ(−βΔ), as TRL's DPOTrainer did before 1.x and torchtune does.
///   TRL 1.16's `sigmoid` ignores `label_smoothing`; use ε = 0 for its value.
/// - `ipo`: (Δc/Nc − Δr/Nr − 1/(2β))², each side's log-ratio divided by its completion length.
/// - `hinge` (RSO/SLiC): relu(1 − βΔ).
/// - `robust`: [−(1−ε) log σ(βΔ) + ε log σ(−βΔ)] / (1 − 2ε).
///
/// Reference-free (no reference log-probs; `a` = completion log-prob averaged per token):
/// - `orpo`: NLL − β·mean log σ(log-odds(a_c) − log-odds(a_r)), log-odds(a) = a − log(1 − e^a);
///   NLL = −Σ whole-sequence log-probs of the chosen side ÷ their token count (pooled).
/// - `simpo`: −log σ(β(a_c − a_r) − γ), plus `cpoAlpha` × NLL of the chosen completions (CPO-SimPO).
/// - `cpo`: −(1−ε) log σ(β(π_c − π_r)) − ε log σ(−β(π_c − π_r)) on summed log-probs, plus
///   `cpoAlpha` × NLL of the chosen completions.
public enum PreferenceLoss: Sendable, Equatable {
    case sigmoid(beta: Float, labelSmoothing: Float = 0)
    case ipo(beta: Float)
    case hinge(beta: Float)
    case robust(beta: Float, labelSmoothing: Float)
    case orpo(beta: Float)
    case simpo(beta: Float, gamma: Float, cpoAlpha: Float = 0)
    case cpo(beta: Float, labelSmoothing: Float = 0, cpoAlpha: Float = 1)

    /// TRL's default: DPO, β = 0.1.
    public static let dpo = PreferenceLoss.sigmoid(beta: 0.1)

    public var beta: Float {
        switch self {
        case .sigmoid(let b, _), .ipo(let b), .hinge(let b), .robust(let b, _), .orpo(let b), .simpo(let b, _, _), .cpo(let b, _, _): b
        }
    }

    /// Whether the loss compares with a reference model's log-probs.
    public var needsReference: Bool {
        switch self {
        case .sigmoid, .ipo, .hinge, .robust: true
        case .orpo, .simpo, .cpo: false
        }
    }

    /// The mean loss over pairs. `reference` is required exactly when `needsReference`; its
    /// log-probs are used as given (compute them without gradients, or pass `detached()`).
    public func loss(policy: PreferenceLogProbs, reference: PreferenceLogProbs? = nil) -> Tensor {
        precondition(!needsReference || reference != nil, "PreferenceLoss.\(self): needs the reference model's log-probs")
        switch self {
        case .sigmoid(let beta, let eps):
            let z = margin(policy, reference!) * beta
            return eps == 0 ? (-z.logSigmoid()).mean() : (z.logSigmoid() * -(1 - eps) - (-z).logSigmoid() * eps).mean()
        case .ipo(let beta):
            let n = policy.pairCount
            let chosen = (policy.chosen - reference!.chosen) / Tensor(shape: [n], values: policy.chosenCounts.map(Float.init))
            let rejected = (policy.rejected - reference!.rejected) / Tensor(shape: [n], values: policy.rejectedCounts.map(Float.init))
            let d = chosen - rejected - Self.constant(1 / (2 * beta), n)
            return (d * d).mean()
        case .hinge(let beta):
            let z = margin(policy, reference!) * beta
            return (Self.constant(1, policy.pairCount) - z).relu().mean()
        case .robust(let beta, let eps):
            let z = margin(policy, reference!) * beta
            return ((z.logSigmoid() * -(1 - eps) + (-z).logSigmoid() * eps) / (1 - 2 * eps)).mean()
        case .orpo(let beta):
            let (a, b) = policy.averaged
            let n = policy.pairCount
            // log(1 − e^a), a < 0: the log of a complement, as TRL's log1p(−exp(a)).
            func logComplement(_ x: Tensor) -> Tensor { (Self.constant(1, n) - x.exp()).log() }
            let logOdds = (a - b) - (logComplement(a) - logComplement(b))
            return Self.wholeNLL(policy) - logOdds.logSigmoid().mean() * beta
        case .simpo(let beta, let gamma, let alpha):
            let (a, b) = policy.averaged
            let z = (a - b) * beta - Self.constant(gamma, policy.pairCount)
            let loss = (-z.logSigmoid()).mean()
            return alpha == 0 ? loss : loss + Self.completionNLL(policy) * alpha
        case .cpo(let beta, let eps, let alpha):
            let z = (policy.chosen - policy.rejected) * beta
            let loss = (z.logSigmoid() * -(1 - eps) - (-z).logSigmoid() * eps).mean()
            return alpha == 0 ? loss : loss + Self.completionNLL(policy) * alpha
        }
    }

    /// Δ per pair: the chosen log-ratio minus the rejected one.
    func margin(_ policy: PreferenceLogProbs, _ reference: PreferenceLogProbs) -> Tensor {
        (policy.chosen - reference.chosen) - (policy.rejected - reference.rejected)
    }

    static func constant(_ value: Float, _ count: Int) -> Tensor {
        Tensor(shape: [count], values: Array(repeating: value, count: count))
    }

    /// Mean token NLL of the chosen completions, pooled over the batch (CPO's `cpo_alpha` term).
    static func completionNLL(_ p: PreferenceLogProbs) -> Tensor {
        -p.chosen.sum() / Float(max(1, p.chosenCounts.reduce(0, +)))
    }

    /// Mean token NLL of the whole chosen sequences (prompt and completion after BOS), pooled (ORPO).
    static func wholeNLL(_ p: PreferenceLogProbs) -> Tensor {
        guard let whole = p.chosenWhole else { preconditionFailure("PreferenceLoss.orpo: needs chosenWhole (the chosen sequences' whole log-probs)") }
        return -whole.sum() / Float(max(1, p.chosenWholeCounts.reduce(0, +)))
    }
}
