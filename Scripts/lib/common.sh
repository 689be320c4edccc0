# Shared by the Scripts/ entry points: sourced, never run. Bash only.
# Paths, package lists, banners, "install only what is missing", and the trixie chroot runner.

set -o errexit -o nounset -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The toolchain the CI machine has preinstalled (not on PATH in every shell).
if [ -x /opt/swift/usr/bin/swift ] && ! command -v swift >/dev/null 2>&1; then
    PATH="/opt/swift/usr/bin:$PATH"
fi
export PATH

# Debian 12 packages the build needs (the five C libraries; nettle-dev because libunbound.pc
# names it in Requires.private).
BUILD_PACKAGES=(libmbedtls-dev libexpat1-dev libevent-dev libunbound-dev libsqlite3-dev nettle-dev pkg-config
    dns-root-data ca-certificates)
# What the tests and the trixie/arm64 legs need on top.
TEST_PACKAGES=(openssl unbound ldnsutils bind9-dnsutils knot prosody lua-unbound python3 python3-slixmpp ejabberd
    debootstrap qemu-user-static valgrind util-linux binutils systemd)  # systemd: systemd-analyze for SystemdUnitTests

# Caches that outlive one checkout (a fresh clone reuses them when /tmp survived).
CI_CACHE="${XMPP_RELAY_CI_CACHE:-/tmp/xmpp-relay-ci}"
TRIXIE_ROOT="$CI_CACHE/trixie-rootfs"
TRIXIE_STAMP="$CI_CACHE/trixie-rootfs.stamp"
TRIXIE_MIRROR="${TRIXIE_MIRROR:-http://deb.debian.org/debian}"
# Installed inside the trixie chroot: the board's toolchain, the five C libraries, test tools, and
# Prosody 13 (Debian 13's home-server generation) with what the interop tests drive it with.
TRIXIE_PACKAGES=(swiftlang libmbedtls-dev libexpat1-dev libevent-dev libunbound-dev libsqlite3-dev
    nettle-dev pkg-config ca-certificates dns-root-data libstdc++-14-dev openssl unbound ldnsutils bind9-dnsutils
    knot python3 prosody lua-unbound python3-slixmpp dpkg-dev lintian)
# What Scripts/package needs (also in the chroot above): dpkg-deb, dpkg-shlibdeps, strip, lintian.
PACKAGE_PACKAGES=(dpkg-dev binutils lintian)
# Where the checkout appears inside the chroot (#filePath in test binaries points here).
CHROOT_SRC=/src

banner() {
    local line="================================================================================"
    printf '\n%s\n== %s\n%s\n' "$line" "$*" "$line"
}

note() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { note "$*"; exit 1; }

require_root() {
    [ "$(id -u)" = 0 ] || die "$1 needs root (apt-get, debootstrap, chroot); run it with sudo"
}

# Prints the packages of "$@" that dpkg does not report as installed.
missing_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
    done
}

# apt-get installs whichever of "$@" is missing; runs `apt-get update` only then. Daemons that the
# packages would start (unbound, knot, prosody, ejabberd) are held back by a temporary policy-rc.d: tests
# start their own servers on loopback.
install_missing() {
    local missing
    missing=$(missing_packages "$@" | tr '\n' ' ')
    if [ -z "${missing// /}" ]; then
        return 0
    fi
    require_root "installing $missing"
    note "installing: $missing"
    local policy=/usr/sbin/policy-rc.d placed=no
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && placed=yes
    fi
    local rc=0
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
    } || rc=$?
    [ "$placed" = yes ] && rm -f "$policy"
    return $rc
}

# XCTest's closing count of a log ("Executed N tests, with M failures" after the 'All tests' or
# 'Selected tests' suite line), as "N M"; empty when the run never got there (crash, no build).
xctest_totals() {
    # "Executed 432 tests, with 6 tests skipped and 0 failures (0 unexpected)": prints "432 0 6".
    grep -A 1 -E "^Test Suite '(All tests|Selected tests)' (passed|failed)" "$1" |
        grep -E 'Executed [0-9]+ tests?, with ' | tail -n 1 |
        sed -E -e 's/.*Executed ([0-9]+) tests?, with ([0-9]+) tests? skipped and ([0-9]+) failures?.*/\1 \3 \2/' \
            -e 's/.*Executed ([0-9]+) tests?, with ([0-9]+) failures?.*/\1 \2 0/' || true
}

# Builds release products with the Swift runtime linked in, as on a board, in .build-release (never
# over the development build's binaries; Scripts/package builds in .build-board); sets RELEASE_BIN.
build_release() {
    local scratch="$REPO_ROOT/.build-release" product
    for product in "$@"; do
        swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product "$product"
    done
    RELEASE_BIN="$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)"
}

# The XCTest cases a leg's log reports as failed, one "Module.Suite/test" per line (the module is
# the Tests/ folder that defines the suite), for the summary and for a rerun.
failed_tests() {
    grep -E "^Test Case '[A-Za-z0-9_]+\.[A-Za-z0-9_]+' failed" "$1" |
        sed -E "s/^Test Case '([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)' failed.*/\1 \2/" | sort -u |
        while read -r suite test; do
            module=$(grep -rlE "class $suite\b" "$REPO_ROOT/Tests" --include='*.swift' | head -n 1)
            module=${module#"$REPO_ROOT/Tests/"}
            printf '%s.%s/%s\n' "${module%%/*}" "$suite" "$test"
        done
}

# XMPP_RELAY_RETEST (comma-separated Module.Suite/test, set by Scripts/test for a rerun) as a
# `swift test --filter` pattern; empty when unset.
retest_filter() {
    [ -n "${XMPP_RELAY_RETEST:-}" ] || return 0
    printf '^(%s)$' "$(printf '%s' "$XMPP_RELAY_RETEST" | sed -e 's/\./\\./g' -e 's/,/|/g')"
}

# One run at a time may use the cached rootfs and its build directories. A script that a leg
# starts (Scripts/package) inherits the lock: it would otherwise wait for its own parent.
lock_ci_cache() {
    [ -z "${XMPP_RELAY_CI_LOCK_HELD:-}" ] || return 0
    mkdir -p "$CI_CACHE"
    exec 9>"$CI_CACHE/lock"
    flock -w 3600 9 || die "another run holds $CI_CACHE/lock"
    export XMPP_RELAY_CI_LOCK_HELD=$$
}

# Refuses to continue if anything is still mounted below $1 (a rootfs about to be deleted).
assert_nothing_mounted_under() {
    if findmnt -rn -o TARGET | grep -q -F "$1"; then
        findmnt -rn -o TARGET | grep -F "$1" >&2
        die "something is still mounted under $1; not touching it"
    fi
}

# Key of the trixie rootfs: changes whenever the package list or the recipe changes.
trixie_rootfs_key() {
    printf '%s\n' "recipe=3" "mirror=$TRIXIE_MIRROR" "${TRIXIE_PACKAGES[@]}" | sha256sum | cut -c1-16
}

# Builds (or reuses) the Debian 13 rootfs with the board's toolchain. Cold: debootstrap + apt.
ensure_trixie_rootfs() {
    require_root "the trixie chroot"
    local key
    key=$(trixie_rootfs_key)
    if [ -f "$TRIXIE_STAMP" ] && [ "$(cat "$TRIXIE_STAMP")" = "$key" ] && [ -x "$TRIXIE_ROOT/usr/libexec/swift/bin/swift-build" ]; then
        note "trixie rootfs cached at $TRIXIE_ROOT (key $key)"
        return 0
    fi
    install_missing debootstrap util-linux
    mkdir -p "$CI_CACHE"
    local fresh="$TRIXIE_ROOT.new"
    for dir in "$TRIXIE_ROOT" "$fresh"; do
        if [ -e "$dir" ]; then
            assert_nothing_mounted_under "$dir"
            rm -rf --one-file-system "$dir"
        fi
    done
    rm -f "$TRIXIE_STAMP"
    note "building trixie rootfs (debootstrap --variant=minbase, then apt; about 3 minutes)"
    local start=$SECONDS
    debootstrap --variant=minbase trixie "$fresh" "$TRIXIE_MIRROR" >"$CI_CACHE/debootstrap.log" 2>&1 ||
        { tail -n 30 "$CI_CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CI_CACHE/debootstrap.log)"; }
    printf '#!/bin/sh\nexit 101\n' >"$fresh/usr/sbin/policy-rc.d"
    chmod 755 "$fresh/usr/sbin/policy-rc.d"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$fresh/etc/apt/apt.conf.d/90minimal"
    local log="$CI_CACHE/trixie-apt.log"
    {
        run_in_root "$fresh" "" apt-get update -q &&
            run_in_root "$fresh" "" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${TRIXIE_PACKAGES[@]}" &&
            run_in_root "$fresh" "" apt-get clean
    } >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "apt-get in the trixie rootfs failed (log: $log)"; }
    mv "$fresh" "$TRIXIE_ROOT"
    echo "$key" >"$TRIXIE_STAMP"
    note "trixie rootfs ready in $((SECONDS - start)) s"
}

# run_in_root ROOT CHECKOUT CMD...: runs CMD inside chroot ROOT in a private mount namespace with
# /proc, /dev and (when CHECKOUT is not empty) the checkout bound at $CHROOT_SRC. The namespace
# is private, so the mounts vanish with it even if the trap never runs; the trap unmounts anyway.
# The command's exit code passes through.
run_in_root() {
    local root="$1" checkout="$2"
    shift 2
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    unshare --mount --propagation private -- bash -c '
        set -o errexit -o nounset
        root="$1" checkout="$2" src="$3"; shift 3
        cleanup() {
            for m in "$root$src" "$root/dev" "$root/proc"; do
                if mountpoint -q "$m"; then umount -R "$m" || umount -l "$m"; fi
            done
        }
        trap cleanup EXIT
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        if [ -n "$checkout" ]; then
            mkdir -p "$root$src"
            mount --bind "$checkout" "$root$src"
        fi
        rc=0
        chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" || rc=$?
        exit $rc
    ' in-trixie "$root" "$checkout" "$CHROOT_SRC" "$@"
}

# in_trixie CMD...: the command inside the cached trixie rootfs with this checkout at $CHROOT_SRC.
in_trixie() {
    run_in_root "$TRIXIE_ROOT" "$REPO_ROOT" "$@"
}

# in_trixie_throwaway CMD...: like in_trixie, but on an overlay of the rootfs whose changes are
# discarded when CMD ends (installing the package must not change the cached rootfs).
in_trixie_throwaway() {
    local scratch rc=0
    scratch=$(mktemp -d "$CI_CACHE/throwaway.XXXXXX")
    mkdir "$scratch/upper" "$scratch/work" "$scratch/root"
    unshare --mount --propagation private -- bash -c "$(declare -f run_in_root); $(declare -p CHROOT_SRC)"'
        set -o errexit -o nounset
        lower="$1" scratch="$2" checkout="$3"
        shift 3
        mount -t overlay overlay -o "lowerdir=$lower,upperdir=$scratch/upper,workdir=$scratch/work" "$scratch/root"
        run_in_root "$scratch/root" "$checkout" "$@"
    ' throwaway "$TRIXIE_ROOT" "$scratch" "$REPO_ROOT" "$@" || rc=$?
    # The overlay lived in the namespace that just ended; nothing is mounted here any more.
    assert_nothing_mounted_under "$scratch"
    rm -rf --one-file-system "$scratch"
    return $rc
}

# What Scripts/package takes from this checkout's git, as NAME=VALUE words for `env`, when it runs
# in the trixie chroot (which has no git): the date of the last commit (the man page's and
# changelog's date), and the maintainer (the last commit's author, unless DEBFULLNAME/DEBEMAIL).
package_env() {
    PACKAGE_ENV=(
        "SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}"
        "DEBFULLNAME=${DEBFULLNAME:-$(git -C "$REPO_ROOT" log -1 --format=%an 2>/dev/null || true)}"
        "DEBEMAIL=${DEBEMAIL:-$(git -C "$REPO_ROOT" log -1 --format=%ae 2>/dev/null || true)}"
    )
}

# The relay's version as `xmpp-relay version` prints it (from its source).
relay_version() {
    sed -n 's/.*static let string = "\(.*\)".*/\1/p' "$REPO_ROOT/Sources/RelayCLI/RelayVersion.swift"
}
