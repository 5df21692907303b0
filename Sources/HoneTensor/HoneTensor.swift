/// HoneTensor: hone's own tensor library — storage, views, ops with their gradients, reverse-mode
/// autodiff, and the numeric kernels (OpenBLAS for matrix products, SIMD elsewhere).
public enum HoneTensor {
    /// The version of the hone package. Every hone module reports this one value.
    public static let version = "0.1.0-dev"

    /// The chain of hone's numeric modules, from the bottom up to this one.
    public static let modules = ["HoneTensor"]
}
