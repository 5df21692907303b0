import HoneTensor

/// The reward-model loss of TRL's RewardTrainer: mean over pairs of −log σ(r_c − r_r − m), with
/// an optional margin m per pair, plus `centerCoefficient` · mean((r_c + r_r)²) when it is not 0
/// (TRL's `center_rewards_coefficient`, which keeps rewards near zero).
public enum BradleyTerry {
    /// `chosen` and `rejected` are the reward head's scalars per pair, [pairs].
    public static func loss(chosen: Tensor, rejected: Tensor, margin: Tensor? = nil, centerCoefficient: Float = 0) -> Tensor {
        precondition(chosen.shape == rejected.shape, "BradleyTerry: chosen \(chosen.shape) and rejected \(rejected.shape) differ")
        var difference = chosen - rejected
        if let margin { difference = difference - margin }
        let loss = (-difference.logSigmoid()).mean()
        guard centerCoefficient != 0 else { return loss }
        let total = chosen + rejected
        return loss + (total * total).mean() * centerCoefficient
    }
}
