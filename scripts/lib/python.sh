# Sourced by scripts that run Python reference tools (scripts/check-gguf,
# scripts/make-reader-fixtures). `hone_python PACKAGE...` makes sure a virtual environment under
# .build/pyenv holds the PyPI packages given, then sets HONE_PYTHON to its interpreter. The
# environment is cached: each package is installed once, quietly, without byte-compiling (Python
# compiles a module when it is first imported; compiling all of torch and Axolotl up front took
# more than half of their install time); pip's output is shown only
# when an install fails. When python3's venv module is missing it is installed with apt-get
# (python3-venv), as scripts/setup does for hone's other Debian packages.

HONE_PYENV="${HONE_PYENV:-$HONE_ROOT/.build/pyenv}"

hone_python() {
    local log status pkg missing=()
    log="$(mktemp)"
    if [[ ! -x "$HONE_PYENV/bin/python" ]]; then
        if ! command -v python3 >/dev/null 2>&1; then
            echo "python: python3 is not installed; install it (apt-get install python3 python3-venv)" >&2
            rm -f "$log"; return 1
        fi
        if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
            local as_root=()
            if [[ "$(id -u)" != 0 ]]; then
                if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); else
                    echo "python: python3's venv module is missing; run as root: apt-get install -y python3-venv" >&2
                    rm -f "$log"; return 1
                fi
            fi
            echo "python: installing python3-venv with apt-get…" >&2
            if ! { "${as_root[@]}" apt-get update && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv; } \
                 </dev/null >"$log" 2>&1; then
                cat "$log" >&2; echo "python: installing python3-venv failed" >&2
                rm -f "$log"; return 1
            fi
        fi
        rm -rf "$HONE_PYENV"
        mkdir -p "$(dirname "$HONE_PYENV")"
        if ! python3 -m venv "$HONE_PYENV" >"$log" 2>&1; then
            cat "$log" >&2; echo "python: python3 -m venv $HONE_PYENV failed" >&2
            rm -rf "$HONE_PYENV"; rm -f "$log"; return 1
        fi
    fi
    for pkg in "$@"; do
        [[ -e "$HONE_PYENV/.installed-$pkg" ]] || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        local start=$SECONDS
        if ! "$HONE_PYENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-compile "${missing[@]}" </dev/null >"$log" 2>&1; then
            cat "$log" >&2; echo "python: pip install ${missing[*]} failed" >&2
            rm -f "$log"; return 1
        fi
        for pkg in "${missing[@]}"; do touch "$HONE_PYENV/.installed-$pkg"; done
        echo "python: installed ${missing[*]} into $HONE_PYENV in $((SECONDS - start)) s" >&2
    fi
    rm -f "$log"
    HONE_PYTHON="$HONE_PYENV/bin/python"
}
