import HoneTensor
import Testing

/// `Tensor.checkpointed`: the same gradients as the plain graph, for inputs and for tensors the
/// body only captures, with randomness replayed and the activations inside not kept.
@Suite("gradient checkpointing")
struct CheckpointTests {
    /// A residual block of the usual shape over captured weights, with dropout whose stream
    /// comes from `counter` through `GradientCheckpoint.stream`.
    final class Block {
        let norm: Tensor, up: Tensor, down: Tensor
        var counter: UInt64 = 0
        var dropout: Float = 0

        init(width: Int, seed: UInt64) {
            var rng = RandomGenerator(seed: seed)
            norm = Tensor.uniform([width], 0.5, 1.5, using: &rng)
            up = Tensor.randn([width, 3 * width], std: 0.3, using: &rng)
            down = Tensor.randn([3 * width, width], std: 0.3, using: &rng)
            for p in parameters { p.requiresGrad = true }
        }

        var parameters: [Tensor] { [norm, up, down] }

        func callAsFunction(_ x: Tensor) -> Tensor {
            var h = x.rmsNorm(weight: norm, eps: 1e-5)
            if dropout > 0 {
                let stream = GradientCheckpoint.stream {
                    defer { counter += 1 }
                    return counter
                }
                h = h.dropout(p: dropout, seed: 9, stream: stream)
            }
            return x + h.matmul(up).silu().matmul(down)
        }
    }

    /// Gradients of every parameter and of the input after backward through `layers` blocks.
    func gradients(checkpointed: Bool, inputNeedsGradient: Bool, dropout: Float = 0) -> (grads: [[Float]], loss: Float, counter: UInt64) {
        let blocks = [Block(width: 12, seed: 1), Block(width: 12, seed: 2)]
        for b in blocks { b.dropout = dropout }
        var rng = RandomGenerator(seed: 3)
        let input = Tensor.randn([2, 5, 12], using: &rng)
        input.requiresGrad = inputNeedsGradient
        var x = input
        for block in blocks {
            x = checkpointed ? Tensor.checkpointed(inputs: [x]) { block($0[0]) } : block(x)
        }
        let loss = (x * x).sum()
        loss.backward()
        let grads = blocks.flatMap(\.parameters).map { $0.grad?.scalars ?? [] } + (inputNeedsGradient ? [input.grad!.scalars] : [])
        return (grads, loss.item(), blocks.reduce(0) { $0 + $1.counter })
    }

    @Test("parameters the body captures and the input get the plain graph's gradients", arguments: [true, false])
    func sameGradients(inputNeedsGradient: Bool) {
        let plain = gradients(checkpointed: false, inputNeedsGradient: inputNeedsGradient)
        let checkpointed = gradients(checkpointed: true, inputNeedsGradient: inputNeedsGradient)
        #expect(plain.loss == checkpointed.loss)
        #expect(plain.grads.allSatisfy { !$0.isEmpty })
        #expect(plain.grads == checkpointed.grads)
    }

    @Test("dropout inside the body draws the same mask when backward recomputes it")
    func dropoutReplays() {
        let plain = gradients(checkpointed: false, inputNeedsGradient: true, dropout: 0.3)
        let checkpointed = gradients(checkpointed: true, inputNeedsGradient: true, dropout: 0.3)
        #expect(plain.grads == checkpointed.grads)
        // One stream per block and forward: the recomputation does not advance the counters.
        #expect(plain.counter == 2 && checkpointed.counter == 2)
    }

    @Test("outside grad mode the body just runs")
    func withoutGradients() {
        let block = Block(width: 4, seed: 5)
        let x = Tensor.ones([1, 2, 4])
        let y = GradMode.withoutGradients { Tensor.checkpointed(inputs: [x]) { block($0[0]) } }
        #expect(!y.requiresGrad)
        #expect(y.scalars == GradMode.withoutGradients { block(x) }.scalars)
    }

    @Test("a checkpointed forward keeps fewer bytes alive until backward")
    func keepsLess() {
        func liveBytes(checkpointed: Bool) -> Int {
            let blocks = (0..<4).map { Block(width: 256, seed: UInt64($0)) }
            var rng = RandomGenerator(seed: 3)
            let input = Tensor.randn([4, 128, 256], using: &rng)
            var x = input
            let held = MemoryStats.countingOwnBytes {
                for block in blocks {
                    x = checkpointed ? Tensor.checkpointed(inputs: [x]) { block($0[0]) } : block(x)
                }
            }.netBytes
            (x * x).sum().backward()
            return held
        }
        // Only this test's own allocations are counted (other tests run in parallel). The plain
        // graph keeps each block's norm output, two products of 3× the width and the
        // activation, about 9 inputs' worth against the checkpointed block's output.
        let plain = liveBytes(checkpointed: false), checkpointed = liveBytes(checkpointed: true)
        print("live bytes after the forward: plain \(plain), checkpointed \(checkpointed)")
        #expect(checkpointed * 3 < plain)
    }
}
