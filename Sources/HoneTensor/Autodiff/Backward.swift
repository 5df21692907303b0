extension Tensor {
    /// Computes the gradient of this scalar with respect to every tensor it depends on that
    /// requires one, adding it to the `grad` of each leaf (gradients accumulate until
    /// `zeroGrad()`). The graph is released afterwards unless `retainGraph`.
    public func backward(retainGraph: Bool = false) {
        precondition(count == 1, "backward() needs a scalar; this tensor has shape \(shape)")
        backward(gradient: Tensor.ones(shape), retainGraph: retainGraph)
    }

    /// Backward from a non-scalar output with an explicit output gradient.
    public func backward(gradient: Tensor, retainGraph: Bool = false) {
        precondition(gradient.shape == shape, "backward: gradient shape \(gradient.shape) differs from \(shape)")
        guard requiresGrad else { return }
        precondition(!graphReleased, "backward: this tensor's graph was already freed by an earlier backward(); pass retainGraph: true to run backward twice")
        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): gradient]
        if node == nil { accumulateLeafGradient(gradient) }
        for tensor in order.reversed() {
            guard let node = tensor.node, let g = pending.removeValue(forKey: ObjectIdentifier(tensor)) else {
                if !retainGraph { tensor.releaseGraph() }
                continue
            }
            let needs = node.inputs.map(\.requiresGrad)
            let inputGradients = GradMode.withoutGradients {
                Profiler.timed(node.name, .backward) { node.backward(tensor, g, needs) }
            }
            precondition(inputGradients.count == node.inputs.count, "\(node.name): backward returned \(inputGradients.count) gradients for \(node.inputs.count) inputs")
            for (input, raw) in zip(node.inputs, inputGradients) where input.requiresGrad {
                guard let raw else { continue }
                let inputGradient = raw.shape == input.shape
                    ? raw : Profiler.timed("(unbroadcast)", .backward) { unbroadcast(raw, to: input.shape) }
                precondition(!input.graphReleased, "backward: \(node.name)'s input was computed in a graph already freed by an earlier backward(); pass retainGraph: true to the first backward")
                if input.node == nil {
                    Profiler.timed("(accumulate)", .backward) { input.accumulateLeafGradient(inputGradient) }
                } else if let existing = pending[ObjectIdentifier(input)] {
                    pending[ObjectIdentifier(input)] = Profiler.timed("(accumulate)", .backward) { accumulate(existing, inputGradient) }
                } else {
                    pending[ObjectIdentifier(input)] = inputGradient
                }
            }
            if !retainGraph { tensor.releaseGraph() }
        }
    }

    /// Drops the node, marking the tensor so that it is not mistaken for a leaf later.
    func releaseGraph() {
        if node != nil {
            node = nil
            graphReleased = true
        }
    }

    /// Adds to `grad`, which is always a buffer of the engine's own, so it is updated in place.
    func accumulateLeafGradient(_ g: Tensor) {
        if let existing = grad {
            let source = g.contiguous()
            withExtendedLifetime(source) { Elementwise.addInPlace(existing.pointer, source.pointer, count: existing.count) }
        } else {
            grad = g.contiguousCopy()
        }
    }

    /// The tensors with a recorded node reachable from this one, inputs before outputs.
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            guard tensor.node != nil, visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.node!.inputs where input.node != nil && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}

/// `a + b` into a fresh contiguous tensor, outside the graph.
func accumulate(_ a: Tensor, _ b: Tensor) -> Tensor {
    let out = Tensor(uninitializedShape: a.shape)
    let (ac, bc) = (a.contiguous(), b.contiguous())
    withExtendedLifetime((ac, bc)) { Elementwise.add(ac.pointer, bc.pointer, out.pointer, count: out.count) }
    return out
}

/// Sums a gradient over the axes along which its input was broadcast.
func unbroadcast(_ gradient: Tensor, to shape: [Int]) -> Tensor {
    if gradient.shape == shape { return gradient }
    let extra = gradient.rank - shape.count
    precondition(extra >= 0, "unbroadcast: gradient shape \(gradient.shape) has fewer axes than \(shape)")
    var axes: [Int] = Array(0..<extra)
    for (i, size) in shape.enumerated() where size == 1 && gradient.shape[extra + i] != 1 { axes.append(extra + i) }
    let summed = Reduce.sum(gradient, axes: axes, keepDims: true)
    return summed.reshaped(shape)
}
