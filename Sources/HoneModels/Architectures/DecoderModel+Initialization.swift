import HoneTensor

extension DecoderModel {
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
        for parameter in configuration.parameterLayout {
            let (name, shape) = (parameter.name, parameter.shape)
            if parameter.kind == .norm {
                // (1 + w) norms start at w = 0, plain ones at w = 1: either way a pure normalisation.
                weights[name] = configuration.traits.normWeightOffset != 0 ? Tensor.zeros(shape) : Tensor.ones(shape)
            } else if parameter.kind == .bias {
                weights[name] = Tensor.zeros(shape)
            } else {
                weights[name] = Tensor.randn(shape, std: initializerRange, using: &random)
            }
        }
        return try LlamaModel(configuration: configuration, weights: weights, file: "<new model>")
    }
}
