/// HoneTensor: hone's own tensor library — storage, shapes, the numeric kernels and (later)
/// autograd. Today it holds only the BLAS binding (`BLAS`, in Kernels/BLAS.swift).
public enum HoneTensor {
    /// The version of the hone package. Every hone module reports this one value.
    public static let version = "0.1.0-dev"

    /// The chain of hone's numeric modules, from the bottom up to this one.
    public static let modules = ["HoneTensor"]
}
