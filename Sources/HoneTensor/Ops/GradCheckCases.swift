// Gradient-check cases of the basic ops (those of later op files sit beside their ops).

extension BinaryOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("add", [.init([3, 4]), .init([3, 4])]) { $0[0] + $0[1] },
            GradCheckCase("add broadcast row", [.init([2, 3, 4]), .init([4])]) { $0[0] + $0[1] },
            GradCheckCase("sub broadcast column", [.init([3, 4]), .init([3, 1])]) { $0[0] - $0[1] },
            GradCheckCase("mul broadcast both", [.init([3, 1]), .init([1, 4])]) { $0[0] * $0[1] },
            GradCheckCase("mul transposed", [.init([4, 3], transposed: true), .init([4, 3])]) { $0[0] * $0[1] },
            GradCheckCase("div", [.init([3, 4]), .init([3, 4], .positive)]) { $0[0] / $0[1] },
        ]
    }
}

extension ScaleOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [GradCheckCase("scale", [.init([5])]) { $0[0] * 2.5 }, GradCheckCase("negate", [.init([2, 3])]) { -$0[0] }]
    }
}

extension SumOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("sum all", [.init([3, 4])]) { $0[0].sum() },
            GradCheckCase("sum axis 1 keepDims", [.init([2, 3, 4])]) { $0[0].sum(axes: [1], keepDims: true) },
            GradCheckCase("mean last axes", [.init([2, 3, 4], transposed: true)]) { $0[0].mean(axes: [1, 2]) },
        ]
    }
}

extension MatMulOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [
            GradCheckCase("matmul 2-D", [.init([3, 5]), .init([5, 4])]) { $0[0].matmul($0[1]) },
            GradCheckCase("matmul transposed right", [.init([3, 5]), .init([5, 4], transposed: true)]) { $0[0].matmul($0[1]) },
            GradCheckCase("matmul transposed left", [.init([3, 5], transposed: true), .init([5, 4])]) { $0[0].matmul($0[1]) },
            GradCheckCase("matmul batched shared weight", [.init([2, 3, 5]), .init([5, 4])]) { $0[0].matmul($0[1]) },
            GradCheckCase("matmul batched", [.init([2, 3, 5]), .init([2, 5, 4])]) { $0[0].matmul($0[1]) },
            GradCheckCase("matmul batched transposed", [.init([2, 3, 5]), .init([2, 5, 4], transposed: true)]) { $0[0].matmul($0[1]) },
        ]
    }
}

extension ReshapeOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [GradCheckCase("reshape of a transposed view", [.init([3, 4], transposed: true)]) { $0[0].reshaped([2, 6]) * $0[0].reshaped([2, 6]) }]
    }
}

extension PermuteOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [GradCheckCase("permute", [.init([2, 3, 4])]) { $0[0].permuted([2, 0, 1]).contiguous() * 3 }]
    }
}

extension SliceOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [GradCheckCase("slice and split", [.init([4, 6])]) { inputs in
            let parts = inputs[0].split([2, 4], axis: 1)
            return parts[0].sum(axes: [1]) + parts[1].sliced(axis: 0, 1..<3).sum()
        }]
    }
}

extension ContiguousOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [GradCheckCase("contiguous", [.init([3, 4], transposed: true)]) { $0[0].contiguous() * $0[0].contiguous() }]
    }
}

extension ConcatOp: GradCheckable {
    public static var gradCheckCases: [GradCheckCase] {
        [GradCheckCase("concat", [.init([2, 3]), .init([2, 5], transposed: true)]) { Tensor.concat([$0[0], $0[1]], axis: 1) * 2 }]
    }
}
