extension OpRegistry {
    /// Unary activations, softmax, cross-entropy, embedding and dropout.
    static let activationAndLossOps: [any GradCheckable.Type] = []
}
