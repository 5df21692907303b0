/// Every op with gradient-check cases. A test checks each case against finite differences, and
/// another fails naming any `Op` in Sources/HoneTensor/Ops that is missing here.
public enum OpRegistry {
    public static let all: [any GradCheckable.Type] = basicOps + activationAndLossOps + normAndAttentionOps

    static let basicOps: [any GradCheckable.Type] = [
        BinaryOp.self,
        ScaleOp.self,
        SumOp.self,
        MatMulOp.self,
        ReshapeOp.self,
        PermuteOp.self,
        SliceOp.self,
        ContiguousOp.self,
        ConcatOp.self,
        QuantizedMatMulOp.self,
        CheckpointOp.self,
    ]
}
