import HoneTensor

/// The check every architecture makes of the weights it is built from.
enum CheckpointWeights {
    /// `weights` as float32, once they hold exactly the tensors of `expected` with their shapes.
    /// Throws a `CheckpointError` naming the first missing, misshapen or unexpected tensor.
    static func checked(_ weights: [String: Tensor], expected: [(name: String, shape: [Int])], file: String,
                        architecture: String) throws -> [String: Tensor] {
        var weights = weights
        for (name, shape) in expected {
            guard let tensor = weights[name] else {
                throw CheckpointError(file: file, tensor: name, "missing, expected a tensor of shape \(shape)")
            }
            guard tensor.shape == shape else {
                throw CheckpointError(file: file, tensor: name, "has shape \(tensor.shape), expected \(shape)")
            }
            if tensor.dtype != .float32 { weights[name] = tensor.converted(to: .float32) }
        }
        let known = Set(expected.map(\.name))
        if let extra = weights.keys.filter({ !known.contains($0) }).sorted().first {
            throw CheckpointError(file: file, tensor: extra, "is not a weight of this \(architecture) configuration")
        }
        return weights
    }
}
