#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Weft quick start on Debian 12.
#   ./quickstart.sh        install what is missing, build, open the app on an example
#   ./quickstart.sh test   install what is missing, build, run the default test suite,
#                          then the `slurm` label on a one-node Slurm cluster
# Packages come from packaging/debian-packages.txt: installed directly as root,
# through sudo otherwise; failing both, the exact apt-get line is printed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
mode="${1:-app}"
example="resources/examples/parallel-build.weft"
build_dir="build/default"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_dependencies() {
    local wanted=() missing=()
    mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' packaging/debian-packages.txt | grep -v '^$')
    for pkg in "${wanted[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "All ${#wanted[@]} packages from packaging/debian-packages.txt are installed"
        return
    fi
    say "Installing ${#missing[@]} missing packages: ${missing[*]}"
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
    if [ "$(id -u)" -eq 0 ]; then
        "${apt[@]}" update -q
        "${apt[@]}" install -y -q --no-install-recommends "${missing[@]}"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "${apt[@]}" update -q
        sudo "${apt[@]}" install -y -q --no-install-recommends "${missing[@]}"
    else
        echo "Weft needs these Debian packages and cannot install them without root or sudo." >&2
        echo "Run as root:" >&2
        echo "  apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

build() {
    say "Configuring ($build_dir)"
    cmake --preset default >/dev/null
    say "Building with $(nproc) jobs"
    cmake --build --preset default -j "$(nproc)"
}

install_dependencies
build

case "$mode" in
app)
    if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
        say "Opening $example in Weft"
        exec "$build_dir/app/gui/weft" "$example"
    fi
    say "No display (DISPLAY and WAYLAND_DISPLAY are unset): running the example headless with weft-cli instead"
    exec "$build_dir/app/cli/weft-cli" run "$example"
    ;;
test)
    say "Running the default test suite (slow suites: ctest --preset default -L slow)"
    ctest --preset default
    # The Slurm suite needs a cluster: .ci/slurm-cluster starts a one-node one for
    # this step only and stops what it started on every exit path.
    say "Running the Slurm suite on a one-node cluster (.ci/slurm-cluster)"
    exec .ci/slurm-cluster run ctest --preset slurm
    ;;
*)
    echo "usage: $0 [test]" >&2
    exit 2
    ;;
esac
