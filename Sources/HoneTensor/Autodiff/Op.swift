/// A differentiable operation: its forward and backward declared together, so they cannot drift
/// apart. `forward` checks shapes, runs kernels and returns the output with only what backward
/// needs (`Saved`: a norm's mean and rstd, a dropout mask). `backward` returns one gradient per
/// input, computing only those in `needs`: a frozen weight never costs a weight-gradient matmul.
///
/// Gradients returned may have a broadcast shape; the engine reduces them to each input's shape
/// (`unbroadcast`), so no op does that itself. `Saved` must not hold the output tensor (that
/// would be a reference cycle); `backward` receives the output instead.
public protocol Op {
    associatedtype Saved
    /// A stable name for errors, graph dumps and hone-bench.
    var name: String { get }
    func forward(_ inputs: [Tensor]) -> (Tensor, Saved)
    func backward(_ saved: Saved, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?]
}

/// How an output was computed: its inputs and a closure for the gradient.
final class Node {
    let name: String
    let inputs: [Tensor]
    let backward: (_ output: Tensor, _ gradient: Tensor, _ needs: [Bool]) -> [Tensor?]

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor, Tensor, [Bool]) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether ops record how they were computed. Evaluation and generation run with it off, so
/// they keep no graph and no saved activations.
public enum GradMode {
    @TaskLocal public static var isEnabled = true

    /// Runs `body` with recording off.
    public static func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
        try $isEnabled.withValue(false, operation: body)
    }
}

extension Op {
    /// Runs the op, recording it for backward when recording is on and an input needs a gradient.
    public func apply(_ inputs: [Tensor]) -> Tensor {
        Profiler.timed(name, .forward) { record(inputs) }
    }

    private func record(_ inputs: [Tensor]) -> Tensor {
        let (output, saved) = forward(inputs)
        if GradMode.isEnabled, inputs.contains(where: \.requiresGrad) {
            // In a checkpointed forward nothing is recorded; the checkpoint only learns that
            // its body needs a gradient (Checkpoint.swift).
            if let probe = GradientCheckpoint.probe {
                probe.needsGradient = true
                return output
            }
            output.requiresGrad = true
            output.node = Node(name: name, inputs: inputs) { output, gradient, needs in
                self.backward(saved, output: output, gradient: gradient, needs: needs)
            }
        }
        return output
    }
}
