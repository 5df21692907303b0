/// Generalised advantage estimation over one answer's tokens (Schulman et al. 2016), as TRL's
/// PPO computes it: δ_t = r_t + γ·V_{t+1} − V_t (V after the last token is 0), A_t = δ_t +
/// γλ·A_{t+1}, and the value target (return) R_t = A_t + V_t.
public enum GAE {
    public static func advantages(rewards: [Float], values: [Float], gamma: Float, lambda: Float) -> (advantages: [Float], returns: [Float]) {
        precondition(rewards.count == values.count, "GAE: \(rewards.count) rewards for \(values.count) values")
        var advantages = [Float](repeating: 0, count: rewards.count)
        var running: Float = 0
        for t in stride(from: rewards.count - 1, through: 0, by: -1) {
            let next = t + 1 < values.count ? values[t + 1] : 0
            let delta = rewards[t] + gamma * next - values[t]
            running = delta + gamma * lambda * running
            advantages[t] = running
        }
        return (advantages, zip(advantages, values).map(+))
    }

    /// (x − mean) / sqrt(var + 1e-8) with the unbiased variance, TRL's `masked_whiten`.
    public static func whitened(_ x: [Float]) -> [Float] {
        guard x.count > 1 else { return x.map { _ in 0 } }
        let mean = x.reduce(0, +) / Float(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(x.count - 1)
        let scale = 1 / (variance + 1e-8).squareRoot()
        return x.map { ($0 - mean) * scale }
    }
}
