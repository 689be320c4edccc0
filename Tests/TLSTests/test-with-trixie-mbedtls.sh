#!/bin/sh
# Runs TLSTests against Debian 13's mbedTLS 3.6 (TLS 1.3 on) without a chroot: downloads the four
# trixie .debs with apt's ordinary client into a private apt state, unpacks them under /tmp and
# builds into a separate scratch path with their headers and libraries (glibc 2.33 is enough).
# Usage: Tests/TLSTests/test-with-trixie-mbedtls.sh   (from the package root; needs network once)
set -eu
work=${TRIXIE_MBEDTLS_DIR:-/tmp/trixie-mbedtls}
lib=$work/root/usr/lib/x86_64-linux-gnu
[ "$(uname -m)" = x86_64 ] || { echo "this helper is for x86-64 build machines" >&2; exit 2; }
if [ ! -e "$work/stamp" ]; then
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
    echo 'deb http://deb.debian.org/debian trixie main' >"$work/sources.list"
    apt_opts="-o Dir::Etc::sourcelist=$work/sources.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=$work/lists -o Dir::Cache=$work/cache"
    # shellcheck disable=SC2086
    apt-get $apt_opts update >/dev/null
    # shellcheck disable=SC2086
    (cd "$work/debs" && apt-get $apt_opts download libmbedtls-dev libmbedtls21 libmbedx509-7 libmbedcrypto16)
    for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
    touch "$work/stamp"
fi
# Never share a scratch path with the system-mbedTLS build: stale objects compiled against other
# headers corrupt the heap at run time.
swift build --build-tests --scratch-path "$work/build" -Xcc -I"$work/root/usr/include" \
    -Xlinker -L"$lib" -Xlinker -rpath -Xlinker "$lib"
swift test --skip-build --scratch-path "$work/build" --filter TLSTests
