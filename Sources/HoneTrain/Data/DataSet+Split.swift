import HoneTensor

/// A split that cannot be made: fractions out of range, or too few records for the parts asked for.
public struct DataSplitError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension DataSet {
    /// The records at `indices`, in that order, with their source lines.
    public func subset(_ indices: [Int]) -> DataSet {
        DataSet(file: file, format: format, records: indices.map { records[$0] }, lines: indices.map { lines[$0] })
    }

    /// Train, validation and (when `test` > 0) test parts, chosen by a seeded Fisher–Yates shuffle:
    /// the same seed gives the same parts on every machine. Each part keeps the file's order (and
    /// every record its line), so reports read top to bottom; training shuffles on its own.
    ///
    /// A part's size is its fraction of the count, rounded, and at least 1 when its fraction is
    /// above 0; train gets the rest and must keep at least 1 (the larger of validation and test gives
    /// way first when rounding leaves train empty). Throws when the fractions are outside [0, 1),
    /// sum to 1 or more, or the set has fewer records than parts.
    /// - Complexity: O(n).
    public func split(validation: Double, test: Double = 0, seed: UInt64) throws -> (train: DataSet, validation: DataSet, test: DataSet?) {
        for (name, f) in [("validation", validation), ("test", test)] where !(f >= 0 && f < 1) {
            throw DataSplitError(message: "the \(name) fraction must be at least 0 and below 1, not \(f)")
        }
        if validation + test >= 1 {
            throw DataSplitError(message: "validation and test fractions sum to \(validation + test); they must leave some records to train on (sum below 1)")
        }
        let n = count
        let parts = 1 + (validation > 0 ? 1 : 0) + (test > 0 ? 1 : 0)
        if n < parts {
            throw DataSplitError(message: "\(n) record\(n == 1 ? "" : "s") cannot be split into \(parts) non-empty parts")
        }
        func size(_ f: Double) -> Int { f > 0 ? max(1, Int((f * Double(n)).rounded())) : 0 }
        var nVal = size(validation), nTest = size(test)
        while n - nVal - nTest < 1 {
            if nVal >= nTest, nVal > 1 { nVal -= 1 } else if nTest > 1 { nTest -= 1 } else { nVal -= 1 }
        }

        var order = Array(0..<n)
        var rng = RandomGenerator(seed: seed)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                order.swapAt(i, rng.int(below: i + 1))
            }
        }
        let valIndices = order[0..<nVal].sorted()
        let testIndices = order[nVal..<(nVal + nTest)].sorted()
        let trainIndices = order[(nVal + nTest)...].sorted()
        return (subset(trainIndices), subset(valIndices), test > 0 ? subset(testIndices) : nil)
    }
}
