#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds oneTBB with ThreadSanitizer, from Debian's source of the very version
# the project links (libtbb-dev), into build/tbb-tsan. The `tsan` preset
# links it when it is there.
#
# Why: Debian's libtbb is not instrumented, so TSan cannot see the ordering
# its task queues and wait_context give, and reports races inside oneTBB and
# at every hand-over between its tasks. With an instrumented oneTBB the
# reports that remain are real, and none are suppressed.
#
# Needs deb-src in apt's sources (run as root, it adds them for Debian
# bookworm when missing), dpkg-dev, cmake and ninja. Takes about a minute.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
dest="$root/build/tbb-tsan"
version=$(dpkg-query -W -f='${Version}' libtbb-dev 2>/dev/null || true)
if [ -z "$version" ]; then
    echo "libtbb-dev is not installed: run ./quickstart.sh first" >&2
    exit 1
fi

if ! apt-get source --print-uris "onetbb=$version" >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "apt has no deb-src entries; add them (or rerun as root) and run 'apt-get update'" >&2
        exit 1
    fi
    echo "adding deb-src entries for bookworm (/etc/apt/sources.list.d/weft-deb-src.sources)"
    cat > /etc/apt/sources.list.d/weft-deb-src.sources <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    apt-get update -qq
fi

rm -rf "$dest/src" "$dest/build"
mkdir -p "$dest/src"
(cd "$dest/src" && apt-get source -qq "onetbb=$version" 2>&1 | grep -v "unsandboxed" || true)
source_dir=$(find "$dest/src" -maxdepth 1 -type d -name 'onetbb-*' | head -n1)
[ -n "$source_dir" ] || { echo "apt-get source onetbb=$version gave no source tree" >&2; exit 1; }

cmake -S "$source_dir" -B "$dest/build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_SANITIZE=thread -DTBB_STRICT=OFF \
    -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF \
    -DCMAKE_INSTALL_PREFIX="$dest/install" >/dev/null
cmake --build "$dest/build" --target install >/dev/null
echo "instrumented oneTBB $version: $dest/install"
echo "now: cmake --preset tsan && cmake --build --preset tsan && ctest --preset tsan"
