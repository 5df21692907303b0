// swift-tools-version:6.1
// hone: a REPL and scripting language for fine-tuning language models on the CPU.
// The module shape is fixed by docs/ARCHITECTURE.md:
// HoneTensor ← HoneModels ← HonePEFT ← HoneTrain ← HoneLang ← hone.
import PackageDescription

/// Numeric modules are compiled for AVX2+FMA: Swift's baseline x86-64 target splits SIMD code
/// into scalar lanes and calls `fmaf` (../shared/SWIFT-NOTES.md §3.3).
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-march=x86-64-v3", "-Xcc", "-fno-math-errno"])
]

let package = Package(
    name: "hone",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hone", targets: ["hone"]),
        .executable(name: "hone-bench", targets: ["hone-bench"]),
        // libFuzzer targets over hone's readers and parsers; scripts/fuzz builds it, instrumented,
        // in its own scratch folder (.build-sanitize/address) and links libFuzzer into it alone.
        .executable(name: "hone-fuzz", targets: ["hone-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // HMAC-SHA256 signatures of `hone kernel`'s Jupyter messages.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CLibFuzzer"),

        .target(name: "HoneTensor", dependencies: ["COpenBLAS", "CDNNL"], swiftSettings: numericSettings),
        .target(name: "HoneModels", dependencies: ["HoneTensor"], swiftSettings: numericSettings),
        .target(name: "HonePEFT", dependencies: ["HoneModels"], swiftSettings: numericSettings),
        .target(name: "HoneTrain", dependencies: ["HonePEFT"], swiftSettings: numericSettings),
        .target(name: "HoneLang", dependencies: ["HoneTrain", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "hone",
            dependencies: [
                "HoneLang", "CEditLine", "CZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "hone-bench",
            dependencies: [
                "HoneLang",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: numericSettings),
        .executableTarget(
            name: "hone-fuzz",
            dependencies: ["HoneLang", "CLibFuzzer", .product(name: "Crypto", package: "swift-crypto")]),

        .testTarget(name: "HoneTensorTests", dependencies: ["HoneTensor"]),
        .testTarget(name: "HoneModelsTests", dependencies: ["HoneModels"], exclude: ["Fixtures"]),
        .testTarget(name: "HonePEFTTests", dependencies: ["HonePEFT"]),
        .testTarget(name: "HoneTrainTests", dependencies: ["HoneTrain"], exclude: ["Fixtures"]),
        .testTarget(name: "HoneLangTests", dependencies: ["HoneLang"], exclude: ["Scripts", "Fixtures"]),
        .testTarget(name: "honeTests", dependencies: ["HoneLang"]),
    ]
)
