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
