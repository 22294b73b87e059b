#!/usr/bin/env bash
# Installs what the rusteron crates need to build Aeron 1.54's C media driver and C client from source:
#  - Debian packages: clang + libclang-dev (bindgen), uuid-dev, zlib1g-dev, libbsd-dev (Aeron links
#    libuuid, zlib and libbsd), pkg-config (the build script probes uuid with it), make and a C/C++
#    compiler (build-essential);
#  - CMake >= 3.30: Aeron 1.54's CMakeLists.txt requires it and Debian 12 ships 3.25, so CMake 3.31 is
#    installed from PyPI (the `cmake` wheel, which carries the binary) into $INTEROP_TOOLS_DIR (default
#    ~/.cache/fulmar-interop), and the `cmake` crate is pointed at it through the CMAKE environment
#    variable (run.sh does that). Debian's own `cmake` package is not needed.
# Idempotent; run as root (or with sudo) on a Debian/Ubuntu machine. Prints the cmake path last.
set -euo pipefail
PACKAGES=(build-essential clang libclang-dev uuid-dev zlib1g-dev libbsd-dev pkg-config python3-pip)
TOOLS_DIR="${INTEROP_TOOLS_DIR:-$HOME/.cache/fulmar-interop}"
CMAKE_BIN="$TOOLS_DIR/cmake-pip/cmake/data/bin/cmake"

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "setup.sh: installing ${missing[*]}" >&2
    $SUDO apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi

if ! "$CMAKE_BIN" --version >/dev/null 2>&1; then
    echo "setup.sh: installing CMake 3.31 from PyPI into $TOOLS_DIR/cmake-pip" >&2
    mkdir -p "$TOOLS_DIR"
    pip_args=(install --quiet --disable-pip-version-check --target "$TOOLS_DIR/cmake-pip" 'cmake>=3.30,<3.32')
    # Debian's own pip refuses installs without --break-system-packages (PEP 668), even into --target.
    python3 -m pip "${pip_args[@]}" >&2 || python3 -m pip "${pip_args[@]}" --break-system-packages >&2
fi
echo "$CMAKE_BIN"
