import HoneTensor

/// The numbers TRL logs for a preference batch, with its definitions (means over pairs):
/// `rewards/chosen` = β·r_c, `rewards/rejected` = β·r_r, `rewards/accuracies` = fraction with
/// r_c > r_r, `rewards/margins` = β·(r_c − r_r), `logps/chosen` and `logps/rejected` = the policy's
/// log-probs. For reference-based losses r = policy − reference on summed log-probs. For
/// reference-free ones r is the policy's log-prob alone: averaged per token for ORPO and SimPO,
/// summed for CPO, and `logps/…` are those same values. Negative rewards are normal: they say the
/// policy gives the completion less probability than the reference does.
public struct PreferenceMetrics: Sendable, Equatable {
    public var rewardsChosen: Double
    public var rewardsRejected: Double
    public var rewardsAccuracies: Double
    public var rewardsMargins: Double
    public var logpsChosen: Double
    public var logpsRejected: Double

    public init(loss: PreferenceLoss, policy: PreferenceLogProbs, reference: PreferenceLogProbs? = nil) {
        let beta = Double(loss.beta)
        let pc: [Double], pr: [Double]
        switch loss {
        case .orpo, .simpo:
            let (a, b) = policy.averaged
            pc = a.scalars.map(Double.init)
            pr = b.scalars.map(Double.init)
        default:
            pc = policy.chosen.scalars.map(Double.init)
            pr = policy.rejected.scalars.map(Double.init)
        }
        var rc = pc, rr = pr
        if loss.needsReference {
            precondition(reference != nil, "PreferenceMetrics: \(loss) needs the reference log-probs")
            rc = zip(pc, reference!.chosen.scalars).map { $0 - Double($1) }
            rr = zip(pr, reference!.rejected.scalars).map { $0 - Double($1) }
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        rewardsChosen = beta * mean(rc)
        rewardsRejected = beta * mean(rr)
        rewardsAccuracies = mean(zip(rc, rr).map { beta * $0 > beta * $1 ? 1 : 0 })
        rewardsMargins = beta * mean(zip(rc, rr).map { $0 - $1 })
        logpsChosen = mean(pc)
        logpsRejected = mean(pr)
    }

    /// Keyed by TRL's names (`rewards/chosen`, …).
    public var byTRLName: [String: Double] {
        ["rewards/chosen": rewardsChosen, "rewards/rejected": rewardsRejected, "rewards/accuracies": rewardsAccuracies,
         "rewards/margins": rewardsMargins, "logps/chosen": logpsChosen, "logps/rejected": logpsRejected]
    }
}
