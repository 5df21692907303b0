import HoneTensor

extension Tensor {
    /// Overwrites a contiguous tensor's values in place (restoring weights from a snapshot or a
    /// checkpoint keeps every reference to the tensor valid, unlike replacing it).
    func assign(_ values: [Float]) {
        precondition(isContiguous && values.count == count, "assign: \(values.count) values for a tensor of \(count)")
        withExtendedLifetime(self) {
            let p = pointer
            values.withUnsafeBufferPointer { for i in 0..<count { p[i] = $0[i] } }
        }
        storage.contentsChanged()
    }
}
