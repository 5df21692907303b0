/// Gradient checkpointing: a stretch of the graph whose forward keeps only its inputs, and whose
/// backward runs the stretch again with recording on and backpropagates through that copy.
/// Memory for the activations inside (a decoder layer's norms, projections, attention
/// probabilities) is traded for a second forward of the stretch.
///
/// Tensors the body reads without receiving them as inputs (weights, adapter matrices) are
/// leaves of the recomputed graph as of the original: their gradients accumulate into `grad`
/// during the recomputation's backward, exactly as they would without checkpointing.
///
/// Randomness inside the body must repeat in the recomputation. Dropout masks depend only on
/// (seed, stream), so a body that takes its streams from a counter draws them through
/// `GradientCheckpoint.stream`, which hands the recomputation the same numbers in the same order.

struct CheckpointOp: Op {
    let body: ([Tensor]) -> Tensor
    var name: String { "checkpoint" }

    struct Saved {
        /// The inputs (detached): everything the recomputation starts from.
        let inputs: [Tensor]
        /// The streams drawn in the forward, replayed by the recomputation.
        let streams: [UInt64]
    }

    /// Runs the body as in training (dropout active) but records no node: ops only report
    /// whether any of their inputs needed a gradient.
    func forward(_ inputs: [Tensor]) -> (Tensor, Saved) {
        let (output, tape, _) = probe(inputs)
        return (output, Saved(inputs: inputs.map { $0.detached() }, streams: tape.streams))
    }

    /// The forward plus whether the body touched any tensor that needs a gradient.
    func probe(_ inputs: [Tensor]) -> (Tensor, GradientCheckpoint.Tape, Bool) {
        let tape = GradientCheckpoint.Tape(replaying: nil, within: GradientCheckpoint.tape)
        let probe = GradientCheckpoint.Probe()
        let output = GradientCheckpoint.$tape.withValue(tape) {
            GradientCheckpoint.$probe.withValue(probe) { body(inputs) }
        }
        // A fresh tensor object, so that a body returning one of its inputs does not give that
        // input a node.
        return (output.detached(), tape, probe.needsGradient || inputs.contains(where: \.requiresGrad))
    }

    func backward(_ saved: Saved, output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let leaves = zip(saved.inputs, needs).map { input, needed -> Tensor in
            let leaf = input.detached()
            leaf.requiresGrad = needed
            return leaf
        }
        let tape = GradientCheckpoint.Tape(replaying: saved.streams, within: nil)
        GradMode.$isEnabled.withValue(true) {
            GradientCheckpoint.$probe.withValue(nil) {
                GradientCheckpoint.$tape.withValue(tape) {
                    let recomputed = GradientCheckpoint.$isRecomputing.withValue(true) { body(leaves) }
                    precondition(recomputed.shape == gradient.shape,
                                 "checkpoint: the recomputed output has shape \(recomputed.shape), the forward's had \(gradient.shape)")
                    // Backward runs outside the recomputation, so checkpoints nested in the body
                    // recompute with their own tapes.
                    recomputed.backward(gradient: gradient)
                }
            }
        }
        return leaves.map { $0.requiresGrad ? $0.grad : nil }
    }

    /// `apply` for a checkpoint: it records a node whenever the body touched a tensor that needs
    /// a gradient, even when none of `inputs` does (the first layer of a LoRA model reads a
    /// frozen embedding's output, yet its adapters need gradients).
    func applyCheckpoint(_ inputs: [Tensor]) -> Tensor {
        guard GradMode.isEnabled else { return body(inputs) }
        if let outer = GradientCheckpoint.probe {
            // Inside another checkpoint's forward: run as that one does, record nothing.
            let output = body(inputs)
            if inputs.contains(where: \.requiresGrad) { outer.needsGradient = true }
            return output
        }
        return Profiler.timed(name, .forward) {
            let (output, tape, needed) = probe(inputs)
            if needed {
                let saved = Saved(inputs: inputs.map { $0.detached() }, streams: tape.streams)
                output.requiresGrad = true
                output.node = Node(name: name, inputs: inputs) { output, gradient, needs in
                    self.backward(saved, output: output, gradient: gradient, needs: needs)
                }
            }
            return output
        }
    }
}

/// The state of checkpointed forwards and recomputations in this task.
public enum GradientCheckpoint {
    /// Set while a checkpointed forward runs: ops record no node and only note a gradient.
    @TaskLocal static var probe: Probe? = nil
    /// Streams drawn (forward) or replayed (recomputation) by `stream`.
    @TaskLocal static var tape: Tape? = nil
    /// True while backward runs a checkpointed body a second time.
    @TaskLocal public static var isRecomputing = false

    // Unchecked: a probe or tape belongs to one checkpoint call, read and written only by the
    // task running it (ops are recorded on the calling thread).
    final class Probe: @unchecked Sendable { var needsGradient = false }

    /// The streams of one checkpointed forward, recorded or replayed. A checkpoint nested in
    /// another's body draws through the enclosing tape, so that when the outer one recomputes,
    /// the inner one records the outer forward's streams again.
    final class Tape: @unchecked Sendable {
        private(set) var streams: [UInt64]
        private let replaying: Bool
        private let enclosing: Tape?
        private var next = 0

        init(replaying streams: [UInt64]?, within enclosing: Tape?) {
            self.streams = streams ?? []
            self.replaying = streams != nil
            self.enclosing = enclosing
        }

        func draw(_ fresh: () -> UInt64) -> UInt64 {
            guard replaying else {
                let value = enclosing?.draw(fresh) ?? fresh()
                streams.append(value)
                return value
            }
            precondition(next < streams.count, "GradientCheckpoint: the recomputation drew more random streams than the forward (\(streams.count))")
            defer { next += 1 }
            return streams[next]
        }
    }

    /// A random stream for a dropout mask: `fresh()` outside checkpoints and in a checkpointed
    /// forward (which remembers it), the forward's value, in order, when backward recomputes
    /// the body (and `fresh` is not called, so counters advance once per real forward).
    public static func stream(_ fresh: () -> UInt64) -> UInt64 {
        guard let tape else { return fresh() }
        return tape.draw(fresh)
    }
}

extension Tensor {
    /// `body(inputs)`, computed without keeping the activations inside it: backward runs `body`
    /// again on the inputs with recording on and backpropagates through that recomputation.
    /// Gradients reach `inputs` and every tensor `body` reads (weights captured by the
    /// closure) as without checkpointing. `body` must be a pure function of its inputs and
    /// captured tensors: it runs twice, and random streams must come from
    /// `GradientCheckpoint.stream`. Outside grad mode this is `body(inputs)`.
    public static func checkpointed(inputs: [Tensor], _ body: @escaping ([Tensor]) -> Tensor) -> Tensor {
        CheckpointOp(body: body).applyCheckpoint(inputs)
    }
}

extension CheckpointOp: GradCheckable {
    static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("checkpoint of silu(x·w) + x·w", [.init([3, 4]), .init([4, 5])]) {
                Tensor.checkpointed(inputs: [$0[0], $0[1]]) { xs in
                    let y = xs[0].matmul(xs[1])
                    return y.silu() + y
                }
            },
            GradCheckCase("checkpoint nested in a checkpoint, of a transposed view", [.init([4, 3], transposed: true)]) {
                Tensor.checkpointed(inputs: [$0[0]]) { outer in
                    Tensor.checkpointed(inputs: [outer[0] * outer[0]]) { $0[0].silu() } * outer[0]
                }
            },
        ]
    }
}
