import HoneTensor

extension LlamaModel {
    /// A Llama model with fresh weights, as Hugging Face's `LlamaPreTrainedModel._init_weights`
    /// makes them, for pretraining from scratch: every embedding and linear weight drawn from a
    /// normal distribution with standard deviation `initializerRange` (`initializer_range`, 0.02),
    /// biases zero, RMSNorm weights one (so each norm starts as a pure normalisation).
    ///
    /// The weights are drawn in `parameterShapes` order from one generator seeded with `seed`,
    /// so the same configuration and seed give the same model on every machine.
    public static func randomlyInitialized(configuration: LlamaConfiguration, seed: UInt64 = 0,
                                           initializerRange: Float = 0.02) throws -> LlamaModel {
        try configuration.validate(file: "<new model>")
        var random = RandomGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for (name, shape) in configuration.parameterShapes {
            if name.hasSuffix("norm.weight") {
                weights[name] = Tensor.ones(shape)
            } else if name.hasSuffix(".bias") {
                weights[name] = Tensor.zeros(shape)
            } else {
                weights[name] = Tensor.randn(shape, std: initializerRange, using: &random)
            }
        }
        return try LlamaModel(configuration: configuration, weights: weights, file: "<new model>")
    }
}
