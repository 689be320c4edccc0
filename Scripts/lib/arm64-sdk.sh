# Sourced after common.sh: the arm64 Swift SDK bundle (sysroot from trixie's arm64 .debs),
# kept inside the trixie rootfs so the chroot's swift can use it at a fixed path.

SDK_NAME=trixie-arm64
SDK_PARENT=/opt/swift-sdks                         # inside the chroot
SDK_BUNDLE="$SDK_PARENT/$SDK_NAME.artifactbundle"
ARM64_SYSROOT="$SDK_BUNDLE/$SDK_NAME/sysroot"      # inside the chroot
ARM64_STAMP="$CI_CACHE/arm64-sdk.stamp"
# Link-time and run-time parts; their arm64 dependency closure comes along.
ARM64_PACKAGES=(libc6-dev libgcc-14-dev libstdc++-14-dev libmbedtls-dev libexpat1-dev libevent-dev
    libunbound-dev libsqlite3-dev nettle-dev libswiftlang)

arm64_sdk_key() {
    printf '%s\n' "recipe=8" "rootfs=$(trixie_rootfs_key)" "${ARM64_PACKAGES[@]}" | sha256sum | cut -c1-16
}

# Builds (or reuses) the SDK bundle. Needs the trixie rootfs.
ensure_arm64_sdk() {
    local key
    key=$(arm64_sdk_key)
    if [ -f "$ARM64_STAMP" ] && [ "$(cat "$ARM64_STAMP")" = "$key" ] &&
        [ -f "$TRIXIE_ROOT$SDK_BUNDLE/info.json" ]; then
        note "arm64 Swift SDK cached at $TRIXIE_ROOT$SDK_BUNDLE (key $key)"
        return 0
    fi
    rm -f "$ARM64_STAMP"
    note "building the arm64 sysroot from trixie's arm64 .debs (about 2 minutes)"
    local start=$SECONDS log="$CI_CACHE/arm64-sdk.log"
    run_in_root "$TRIXIE_ROOT" "" bash -c "$(declare -f build_arm64_sdk_inside)"'; build_arm64_sdk_inside "$@"' \
        build-sdk "$SDK_PARENT" "$SDK_NAME" "${ARM64_PACKAGES[@]}" >"$log" 2>&1 ||
        { tail -n 40 "$log" >&2; die "building the arm64 SDK failed (log: $log)"; }
    echo "$key" >"$ARM64_STAMP"
    note "arm64 Swift SDK ready in $((SECONDS - start)) s"
}

# Runs inside the chroot: build_arm64_sdk_inside PARENT NAME PACKAGE...
build_arm64_sdk_inside() {
    set -o errexit -o nounset -o pipefail
    local parent="$1" name="$2"
    shift 2
    local bundle="$parent/$name.artifactbundle"
    local sdk="$bundle/$name" sysroot="$bundle/$name/sysroot" debs=/var/cache/arm64-debs
    dpkg --add-architecture arm64
    apt-get update -q
    # Runtime dependency closure of the arm64 packages (arch-independent ones are not needed,
    # except the kernel headers).
    local closure
    closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "${@/%/:arm64}" | grep -E '^[a-z0-9][^ ]*:arm64$' | sort -u)
    rm -rf "$debs" "$bundle"
    mkdir -p "$debs" "$sysroot/usr/lib" "$sysroot/usr/bin" "$sysroot/usr/sbin" "$sysroot/DEBIAN"
    cd "$debs"
    # swiftlang:arm64 only for the target's stdlib modules, static libs and clang headers.
    apt-get download -q $closure linux-libc-dev swiftlang:arm64
    local deb
    for deb in *.deb; do
        case "$deb" in
            swiftlang_*)
                dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$sysroot" --exclude=./usr/libexec/swift/lib/swift/host \
                    ./usr/libexec/swift/lib/swift ./usr/libexec/swift/lib/swift_static ./usr/libexec/swift/lib/clang
                ;;
            *)
                dpkg-deb -x "$deb" "$sysroot"
                # Each library package's symbols and shlibs files, gathered: with them the
                # sysroot is a package build tree to `dpkg-shlibdeps -S`, which computes an
                # arm64 binary's Depends without installing arm64 packages (Scripts/package).
                rm -rf "$debs/control" && dpkg-deb -e "$deb" "$debs/control"
                for control in symbols shlibs; do
                    if [ -f "$debs/control/$control" ]; then cat "$debs/control/$control" >>"$sysroot/DEBIAN/$control"; fi
                done
                ;;
        esac
    done
    cd "$sysroot"
    # Merged /usr: whatever a package put in /lib, /bin, /sbin moves under usr/, then links.
    local d
    for d in lib bin sbin lib64; do
        if [ -d "$d" ] && [ ! -L "$d" ]; then
            mkdir -p "usr/$d"
            cp -a "$d/." "usr/$d/"
            rm -rf "$d"
        fi
        [ -e "usr/$d" ] && ln -sfn "usr/$d" "$d"
    done
    # Absolute symlinks (libfoo.so -> /lib/...) would point at the build machine: make them relative.
    local link target
    find . -type l -lname '/*' | while read -r link; do
        target=$(readlink "$link")
        ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" ".$target")" "$link"
    done
    rm -rf usr/share/doc usr/share/man usr/share/locale usr/share/lintian usr/bin usr/sbin
    cat >"$bundle/info.json" <<JSON
{
  "schemaVersion": "1.0",
  "artifacts": {
    "$name": { "type": "swiftSDK", "version": "6.0.3-trixie", "variants": [ { "path": "$name" } ] }
  }
}
JSON
    cat >"$sdk/swift-sdk.json" <<JSON
{
  "schemaVersion": "4.0",
  "targetTriples": {
    "aarch64-unknown-linux-gnu": {
      "sdkRootPath": "sysroot",
      "swiftResourcesPath": "sysroot/usr/libexec/swift/lib/swift",
      "swiftStaticResourcesPath": "sysroot/usr/libexec/swift/lib/swift_static",
      "toolsetPaths": [ "toolset.json" ]
    }
  }
}
JSON
    # lld from the chroot's toolchain; no RUNPATH to the build machine's Swift runtime.
    cat >"$sdk/toolset.json" <<JSON
{
  "schemaVersion": "1.0",
  "swiftCompiler": { "extraCLIOptions": [ "-use-ld=lld", "-no-toolchain-stdlib-rpath" ] },
  "linker": { "path": "/usr/libexec/swift/bin/ld.lld" }
}
JSON
    rm -rf "$debs"
    du -sh "$sysroot"
}
