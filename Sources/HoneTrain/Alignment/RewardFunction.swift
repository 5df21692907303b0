import HoneModels
import HoneTensor

/// One sampled answer to score: its prompt and answer ids (EOS included when generation
/// stopped there), the answer's text, and the number of tokens generated (EOS not counted).
public struct ScoredAnswer {
    public var prompt: [Int]
    public var answer: [Int]
    public var text: String
    public var generated: Int

    public init(prompt: [Int], answer: [Int], text: String, generated: Int) {
        self.prompt = prompt
        self.answer = answer
        self.text = text
        self.generated = generated
    }
}

/// What rates sampled answers in reinforcement learning (GRPO, PPO): a rule written in the
/// language, or a trained reward model (a model with a `RewardHead`). Both objectives take one,
/// so either reward works with either algorithm.
public struct RewardFunction {
    public let description: String
    let score: ([ScoredAnswer]) -> [Double]

    public init(description: String, score: @escaping ([ScoredAnswer]) -> [Double]) {
        self.description = description
        self.score = score
    }

    public func callAsFunction(_ answers: [ScoredAnswer]) -> [Double] { answers.isEmpty ? [] : score(answers) }

    /// A rule's reward of each answer's text and generated length. A `.model` rule names a
    /// reward model, which the caller resolves with `model(_:head:name:padID:)`.
    public static func rule(_ rule: RewardRule) -> RewardFunction {
        precondition(rule.modelName == nil, "RewardFunction.rule: \(rule) names a reward model")
        return RewardFunction(description: rule.description) { answers in
            answers.map { rule.reward(text: $0.text, tokens: $0.generated) }
        }
    }

    /// A reward model's scalar for prompt + answer, without gradients, in batches of 16. The
    /// reward model must share the policy's vocabulary (the ids are scored as they are).
    public static func model(_ model: any LanguageModel, head: RewardHead, name: String, padID: Int = 0) -> RewardFunction {
        RewardFunction(description: "model:\(name)") { answers in
            GradMode.withoutGradients {
                stride(from: 0, to: answers.count, by: 16).flatMap { start in
                    let part = answers[start..<min(answers.count, start + 16)]
                    return head.rewards(model: model, sequences: part.map { $0.prompt + $0.answer }, padID: padID).scalars.map(Double.init)
                }
            }
        }
    }
}
