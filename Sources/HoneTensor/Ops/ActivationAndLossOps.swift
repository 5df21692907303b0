extension OpRegistry {
    /// Unary activations, softmax, cross-entropy, embedding and dropout.
    static let activationAndLossOps: [any GradCheckable.Type] = [
        ExpOp.self,
        LogOp.self,
        ReLUOp.self,
        GELUOp.self,
        SiLUOp.self,
        SoftCapOp.self,
        LogSigmoidOp.self,
        SoftmaxOp.self,
        LogSoftmaxOp.self,
        CrossEntropyOp.self,
        TokenLogProbsOp.self,
        EmbeddingOp.self,
        DropoutOp.self,
    ]
}
