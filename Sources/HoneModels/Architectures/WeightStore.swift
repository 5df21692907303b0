import HoneTensor

/// A model's weights by Hugging Face name: float32 tensors, and the linear weights QLoRA stores
/// quantised in their place. Both architectures keep their weights here, so replacing and
/// quantising follow one set of rules.
struct WeightStore {
    private(set) var floats: [String: Tensor]
    private(set) var quantized: [String: QuantizedMatrix] = [:]
    /// Weights that may be quantised: those of the linear layers inside the blocks.
    let quantizable: Set<String>
    /// Weights stored [in, out] (GPT-2's Conv1D): their quantised matrix holds the transpose,
    /// [out, in], the orientation the quantised matmul takes.
    let storedTransposed: Set<String>

    init(_ floats: [String: Tensor], linearModules: [LinearModule]) {
        for tensor in floats.values { Self.keepBFloat16Copy(of: tensor) }
        self.floats = floats
        quantizable = Set(linearModules.map { $0.name + ".weight" })
        storedTransposed = Set(linearModules.filter(\.storesTransposed).map { $0.name + ".weight" })
    }

    /// The weight as the checkpoint stores it, dequantised when it is quantised.
    subscript(name: String) -> Tensor? {
        if let tensor = floats[name] { return tensor }
        guard let matrix = quantized[name] else { return nil }
        let dequantized = matrix.dequantized()
        return storedTransposed.contains(name) ? dequantized.transposed().contiguous() : dequantized
    }

    func shape(of name: String) -> [Int]? {
        if let tensor = floats[name] { return tensor.shape }
        guard let matrix = quantized[name] else { return nil }
        return storedTransposed.contains(name) ? [matrix.cols, matrix.rows] : matrix.shape
    }

    /// Replaces `name` with a float32 tensor of the same shape (a quantised weight becomes float).
    mutating func replace(_ name: String, with tensor: Tensor) throws {
        guard let shape = shape(of: name) else { throw CheckpointError(file: "<model>", tensor: name, "is not a weight of this model") }
        guard shape == tensor.shape else {
            throw CheckpointError(file: "<model>", tensor: name, "has shape \(shape); the replacement has \(tensor.shape)")
        }
        quantized[name] = nil
        let stored = tensor.dtype == .float32 ? tensor : tensor.converted(to: .float32)
        Self.keepBFloat16Copy(of: stored)
        floats[name] = stored
    }

    /// Weights' products under `precision=bf16` read a bf16 copy made once (and remade after
    /// an optimizer step or a restore), not a conversion per product; the copy exists only
    /// once a bf16 product has needed it, so FP32 sessions never hold one.
    private static func keepBFloat16Copy(of tensor: Tensor) {
        tensor.storage.keepsBFloat16Copy = true
    }

    /// Stores the linear weight `name` quantised and drops its float tensor.
    mutating func quantize(_ name: String, format: QuantizationFormat) throws {
        guard quantized[name] == nil else { return }
        guard let tensor = floats[name], quantizable.contains(name) else {
            throw CheckpointError(file: "<model>", tensor: name, "is not the weight of a linear layer; only those are quantised")
        }
        let matrix = storedTransposed.contains(name) ? tensor.transposed().contiguous() : tensor
        quantized[name] = try QuantizedMatrix(quantizing: matrix, format: format)
        floats[name] = nil
    }

    /// Stores the linear weight `name` as `matrix` (blocks read from a file, e.g. a GGUF's
    /// Q8_0) and drops its float tensor. The matrix must dequantise to that tensor's shape.
    mutating func keep(_ name: String, quantizedAs matrix: QuantizedMatrix) throws {
        guard quantizable.contains(name), let expected = shape(of: name) else {
            throw CheckpointError(file: "<model>", tensor: name, "is not the weight of a linear layer; only those are kept quantised")
        }
        let shape = storedTransposed.contains(name) ? [matrix.cols, matrix.rows] : matrix.shape
        guard shape == expected else {
            throw CheckpointError(file: "<model>", tensor: name, "has shape \(expected); the quantised matrix has \(shape)")
        }
        quantized[name] = matrix
        floats[name] = nil
    }
}
