# Sourced by the scripts in scripts/: the repository root, the Debian packages hone needs, and
# the one release build configuration that every script shares.

HONE_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
# libcurl4: Foundation's URLSession (FoundationNetworking, used to download from the Hugging
# Face hub) loads libcurl.so.4 at run time; no headers are needed.
# libdnnl-dev: oneDNN, the bf16 matrix products (AMX where the CPU has it) of `precision=bf16`.
# libzmq3-dev: ZeroMQ, the sockets of `hone kernel` (Jupyter's messaging protocol).
HONE_PACKAGES=(libopenblas-dev libedit-dev libcurl4 libdnnl-dev libzmq3-dev)

# Tests `@testable import` hone's modules, which needs -enable-testing even in release.
# `swift test` adds it by itself, but `swift build` has no option for it, so it is passed by hand
# here, and every script builds with exactly these flags: then scripts/test, scripts/hone,
# scripts/bench and scripts/setup share one .build/release and never rebuild each other's work.
# (A plain `swift build -c release` or `swift test -c release` orders its flags differently,
# so either one rebuilds every module once.)
HONE_BUILD=(swift build -c release -Xswiftc -enable-testing)

# Prints the packages of HONE_PACKAGES that dpkg doesn't list as installed.
hone_missing_packages() {
    local pkg status
    for pkg in "${HONE_PACKAGES[@]}"; do
        status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
        [[ "$status" == "install ok installed" ]] || echo "$pkg"
    done
}

# The instrumented builds: scripts/test --sanitize address|thread and scripts/fuzz. Each sanitizer
# has its own scratch folder, so none of them rebuilds .build/release or another's work.
#
# The address build serves both the ASan unit suite and hone-fuzz, compiled once: AddressSanitizer
# plus the coverage libFuzzer steers by (edges, comparisons, inline 8-bit counters and the PC
# table, what `-sanitize=fuzzer` turns on). Every link gets libFuzzer without its `main`
# (libclang_rt.fuzzer_no_main); only hone-fuzz calls into it, through LLVMFuzzerRunDriver, so
# neither hone nor hone-bench nor the tests ever run libFuzzer. swiftc 6.3 refuses
# `-sanitize=undefined` on Linux; see docs/ARCHITECTURE.md ("Fuzzing and sanitizers").
hone_libfuzzer_archive() {
    local toolchain
    toolchain="$(dirname "$(readlink -f "$(command -v swiftc)")")/.."
    ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a 2>/dev/null | head -n 1
}

# Prints the swift build command of the SANITIZER (address or thread) build, one word per line.
hone_sanitized_build() {
    local sanitizer="$1" archive
    # -Xswiftc, not --sanitize: hone's Swift is instrumented, and the C of its dependencies
    # (swift-crypto's BoringSSL, several hundred files) builds as usual, which takes minutes less.
    printf '%s\n' swift build -c release --scratch-path "$HONE_ROOT/.build-sanitize/$sanitizer" \
        -Xswiftc -enable-testing -Xswiftc -sanitize="$sanitizer"
    if [[ "$sanitizer" == address ]]; then
        archive="$(hone_libfuzzer_archive)"
        if [[ -z "$archive" ]]; then
            echo "hone: the Swift toolchain has no libclang_rt.fuzzer_no_main; hone-fuzz needs it" >&2
            return 1
        fi
        printf '%s\n' -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
            -Xlinker "$archive" -Xlinker --undefined=LLVMFuzzerRunDriver -Xlinker -lstdc++
    fi
}
