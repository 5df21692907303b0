import COpenBLAS

/// The singular value decomposition of a row-major matrix, through LAPACK's sgesdd (which
/// libopenblas carries). PiSSA initialises adapters from it.
public enum SVD {
    public struct Result {
        /// [rows, k] with orthonormal columns.
        public var u: Tensor
        /// The k = min(rows, cols) singular values, largest first.
        public var s: [Float]
        /// [k, cols] with orthonormal rows.
        public var vt: Tensor
    }

    public enum Failure: Error, CustomStringConvertible {
        case lapack(info: Int32)
        public var description: String {
            switch self {
            case .lapack(let info): "LAPACK sgesdd failed (info \(info)): the matrix holds NaN or the iteration did not converge"
            }
        }
    }

    /// W = U·diag(S)·Vᵀ for a 2-D `matrix` [rows, cols] (thin: k = min(rows, cols)).
    public static func decompose(_ matrix: Tensor) throws -> Result {
        precondition(matrix.rank == 2, "SVD.decompose: a matrix is 2-D, got \(matrix.shape)")
        let (rows, cols) = (matrix.shape[0], matrix.shape[1])
        // Row-major W [rows, cols] is column-major Wᵀ [cols, rows]: Wᵀ = V·S·Uᵀ, so LAPACK's U is
        // our V and its Vᵀ is our Uᵀ.
        var a = matrix.contiguous().scalars
        var m = Int32(cols), n = Int32(rows)
        let k = Int(min(m, n))
        var lda = m, ldu = m, ldvt = Int32(k)
        var s = [Float](repeating: 0, count: k)
        var lapackU = [Float](repeating: 0, count: Int(m) * k)
        var lapackVT = [Float](repeating: 0, count: k * Int(n))
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "S"))
        var query: Float = 0
        var lwork: Int32 = -1
        sgesdd_(&jobz, &m, &n, &a, &lda, &s, &lapackU, &ldu, &lapackVT, &ldvt, &query, &lwork, &iwork, &info)
        guard info == 0 else { throw Failure.lapack(info: info) }
        lwork = Int32(query)
        var work = [Float](repeating: 0, count: Int(lwork))
        sgesdd_(&jobz, &m, &n, &a, &lda, &s, &lapackU, &ldu, &lapackVT, &ldvt, &work, &lwork, &iwork, &info)
        guard info == 0 else { throw Failure.lapack(info: info) }
        // Our U [rows, k]: U[r, i] = (LAPACK Vᵀ)[i, r] = lapackVT[i + r·k].
        var u = [Float](repeating: 0, count: rows * k)
        for r in 0..<rows { for i in 0..<k { u[r * k + i] = lapackVT[i + r * k] } }
        // Our Vᵀ [k, cols]: Vᵀ[i, c] = (LAPACK U)[c, i] = lapackU[c + i·cols].
        var vt = [Float](repeating: 0, count: k * cols)
        for i in 0..<k { for c in 0..<cols { vt[i * cols + c] = lapackU[c + i * cols] } }
        return Result(u: Tensor(shape: [rows, k], values: u), s: s, vt: Tensor(shape: [k, cols], values: vt))
    }
}
