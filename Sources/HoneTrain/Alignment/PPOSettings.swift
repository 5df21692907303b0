/// PPO's settings, with TRL's defaults (`PPOConfig`): the KL coefficient of the per-token
/// penalty, the clip ranges of the policy ratio and the value, the value loss's weight, the
/// discount and GAE's λ, and the optimisation epochs over each rollout. `samples` answers are
/// drawn per prompt for each rollout.
public struct PPOSettings: Codable, Sendable, Equatable {
    public var reward: RewardRule
    public var samples = 4
    public var maxNewTokens = 32
    public var temperature = 1.0
    public var klCoefficient = 0.05
    public var clipRange = 0.2
    public var valueCoefficient = 0.1
    public var valueClipRange = 0.2
    public var gamma = 1.0
    public var lambda = 0.95
    public var epochs = 4

    public init(reward: RewardRule) {
        self.reward = reward
    }
}
