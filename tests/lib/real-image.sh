# Real (glibc) images for tests, made from Debian's packages and cached between runs: busybox-static
# exercises none of what glibc programs need (threads through clone3, posix_spawn, popen, NSS).
# Source it after tap.sh.
#
#   real_image_host_tar         prints the path of a tarball of a root made of the host's own
#                               dynamically linked programs and the libraries ldd names: dash as
#                               /bin/sh, true, /usr/local/bin/probe (tests/lib/real-image-probe.c,
#                               gcc -pthread), python3 with the stdlib modules its threads and
#                               subprocess use, /etc/passwd, group, hosts and nsswitch.conf. ~1 s cold.
#   real_image_debian_tar       prints the path of a tarball of a debootstrap minbase bookworm root
#                               with postgresql, from the mirror in the machine's apt sources (apt
#                               caches and lists removed). ~60-90 s cold, about 300 MB.
#   real_image_extract TAR DIR  unpacks a tarball into DIR (for --rootfs)
#
# Both are built once and kept in REAL_IMAGE_CACHE (default /var/cache/berth-tests), named by a hash
# of what goes in (the builder function's text, the probe's source and the versions of the host
# packages copied; or the suite and the package list). A build runs in a private directory under a lock and is published with rename(), so a killed
# or concurrent build never leaves a half tarball under the final name. Old tarballs of a kind are
# removed when a new one is published.

REAL_IMAGE_CACHE=${REAL_IMAGE_CACHE:-/var/cache/berth-tests}
REAL_IMAGE_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REAL_IMAGE_SUITE=bookworm
REAL_IMAGE_PACKAGES=postgresql,postgresql-client
# The host packages real_image_host_tar copies from.
REAL_IMAGE_HOST_PACKAGES=(libc6 dash coreutils python3.11-minimal libpython3.11-stdlib zlib1g libexpat1 gcc-12)
# What the python3 checks import (so their files are copied).
REAL_IMAGE_PY_MODULES=threading,subprocess,concurrent.futures.thread,socket,queue,json

real_image_key() { # parts...: a hash of the parts (function texts, versions, lists)
        printf '%s\n' "$@" | sha256sum | cut -c1-16
}

# real_image_cached KIND KEY BUILDER: prints $REAL_IMAGE_CACHE/KIND-KEY.tar, running BUILDER DIR OUT
# (make the root in DIR, tar it to OUT) first when it is not there.
real_image_cached() {
        local kind=$1 key=$2 builder=$3 out tmp rc
        out=$REAL_IMAGE_CACHE/$kind-$key.tar
        [ -s "$out" ] && { echo "$out"; return 0; }
        mkdir -p "$REAL_IMAGE_CACHE" || return 1
        (
                flock 9 || exit 1
                [ -s "$out" ] && exit 0 # built by a concurrent test meanwhile
                tmp=$(mktemp -d "$REAL_IMAGE_CACHE/.build-$kind.XXXXXX") || exit 1
                "$builder" "$tmp/root" "$tmp/image.tar" >"$tmp/build.log" 2>&1
                rc=$?
                if [ $rc -eq 0 ] && [ -s "$tmp/image.tar" ]; then
                        rm -f "$REAL_IMAGE_CACHE/$kind"-*.tar
                        mv -f "$tmp/image.tar" "$out"
                else
                        echo "real-image: building the $kind image failed (exit $rc):" >&2
                        tail -30 "$tmp/build.log" >&2
                        rc=1
                fi
                rm -rf "$tmp"
                exit $rc
        ) 9>"$REAL_IMAGE_CACHE/.lock-$kind" || return 1
        echo "$out"
}

real_image_extract() {
        mkdir -p "$2" && tar -C "$2" --numeric-owner -xpf "$1"
}

# --- the host's own programs -------------------------------------------------------------------

# real_image_copy_with_libs ROOT FILE...: copies each host FILE (unless ROOT has it already) and the
# libraries it needs to the same paths in ROOT.
real_image_copy_with_libs() {
        local root=$1 f lib
        shift
        for f in "$@"; do
                if [ ! -e "$root$f" ]; then
                        mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f" || return 1
                fi
                for lib in $(ldd "$root$f" 2>/dev/null | grep -o '/[^ ]*'); do
                        [ -e "$root$lib" ] && continue
                        mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || return 1
                done
        done
}

real_image_build_host() { # dir out
        local root=$1 out=$2 py f
        mkdir -p "$root"/usr/{bin,sbin,lib,lib64,local/bin} "$root"/{etc,proc,sys,dev,tmp,run,var/tmp,root} &&
                chmod 1777 "$root/tmp" "$root/var/tmp" || return 1
        # Debian 12 is merged-/usr: the top-level directories are links into /usr.
        for f in bin sbin lib lib64; do
                ln -s "usr/$f" "$root/$f" || return 1
        done
        gcc -std=gnu11 -O2 -pthread -o "$root/usr/local/bin/probe" "$REAL_IMAGE_LIB/real-image-probe.c" &&
                real_image_copy_with_libs "$root" /usr/local/bin/probe /usr/bin/dash /usr/bin/true \
                        /usr/bin/cat /usr/bin/python3.11 &&
                ln -s dash "$root/usr/bin/sh" && ln -s python3.11 "$root/usr/bin/python3" || return 1
        # The stdlib files python3 loads for the checks (the host's Debian python, not a user's).
        py="import sys, $REAL_IMAGE_PY_MODULES
for m in list(sys.modules.values()):
    f = getattr(m, '__file__', None)
    if f: print(f)"
        for f in $(env -i /usr/bin/python3.11 -c "$py") /usr/lib/python3.11/os.py; do
                mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f" || return 1
                case $f in *.so) real_image_copy_with_libs "$root" "$f" || return 1 ;; esac
        done
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
        printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' >"$root/etc/hosts"
        printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
        tar -C "$root" --numeric-owner -cf "$out" .
}

real_image_host_tar() {
        local versions
        versions=$(dpkg-query -W -f '${Package} ${Version}\n' "${REAL_IMAGE_HOST_PACKAGES[@]}" 2>/dev/null)
        real_image_cached host "$(real_image_key "$(declare -f real_image_build_host real_image_copy_with_libs)" \
                "$(cat "$REAL_IMAGE_LIB/real-image-probe.c")" "$versions" "$REAL_IMAGE_PY_MODULES")" real_image_build_host
}

# --- debootstrap -------------------------------------------------------------------------------

real_image_mirror() { # the first Debian mirror of the machine's apt sources
        local m
        m=$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{ print $2 }' |
                grep -v -e security -e updates | head -1)
        [ -n "$m" ] || m=$(grep -hs -E '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
                awk '$2 !~ /security/ { print $2; exit }')
        echo "${m:-http://deb.debian.org/debian}"
}

real_image_build_debian() { # dir out
        local root=$1 out=$2
        command -v debootstrap >/dev/null || { echo "debootstrap is missing (tests/packages.txt)"; return 1; }
        # debootstrap mounts /proc and /sys in the target: a private mount namespace takes them with it
        # whatever happens. The target's daemons are not started (no init runs there).
        unshare -m --propagation private debootstrap --variant=minbase --include="$REAL_IMAGE_PACKAGES" \
                "$REAL_IMAGE_SUITE" "$root" "$(real_image_mirror)" || return 1
        # The package's own cluster is not used: the test's container makes its own with initdb.
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log \
                "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main
        tar -C "$root" --numeric-owner -cf "$out" .
}

real_image_debian_tar() {
        real_image_cached debian "$(real_image_key "$(declare -f real_image_build_debian)" "$REAL_IMAGE_SUITE" \
                "$REAL_IMAGE_PACKAGES")" real_image_build_debian
}
