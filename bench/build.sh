#!/bin/bash
# berth build against `buildah bud --layers` on the same context (a workshop-shaped Dockerfile on
# busybox: RUN, COPY of 202 files (1.9 MB), WORKDIR, RUN over the copied files, CMD), three cases each
# alternated in one hyperfine run: a cold build (--no-cache, the base image present), a fully cached
# rebuild, and a rebuild after one COPY source changed (--prepare writes new content into it, so
# the COPY and the steps after it miss). Goal (issue 14): at most half of buildah's time in all three.
#
# buildah runs rootful with its own storage (overlay, in the run's temporary directory) and the
# settings these hybrid cgroups need (runc, cgroupfs, rlimits below the hard limits): its default
# isolation (oci: RUN in a runc container) works here, so no --isolation chroot. berth's RUN
# containers get their cgroups below the script's own cgroup2 cgroup, as in a unit's.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$BENCH_TOP/tests/lib/fixtures.sh"
if [ "$(id -u)" != 0 ] || ! command -v buildah >/dev/null || ! command -v podman >/dev/null; then
        echo "(build benchmark skipped: needs root, buildah and podman)"
        exit 0
fi
build=$(cd "$BERTH_BUILD" && pwd)
BERTH=$build/berth
export BERTH_RUNTIME=$build/berth-runtime

T=$(mktemp -d /var/tmp/berth-bench-build.XXXXXX)
export BERTH_STORAGE_DIR=$T/berth-store BERTH_RUN_DIR=$T/berth-run BERTH_STATE_DIR=$T/berth-state
CG_MOUNT=$(findmnt -n -t cgroup2 -o TARGET | head -1)
CG=$CG_MOUNT/berth-bench-build.$$
cleanup() {
        local d
        echo $$ >"$CG_MOUNT/cgroup.procs" 2>/dev/null
        for d in $(find "$CG" -mindepth 1 -type d 2>/dev/null | sort -r); do rmdir "$d" 2>/dev/null; done
        rmdir "$CG" 2>/dev/null
        buildah rm --all >/dev/null 2>&1
        # buildah's overlay mounts below $T go before the files do
        findmnt -rn -o TARGET | grep "^$T/" | sort -r | xargs -r umount -l 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
mkdir "$CG" && echo $$ >"$CG/cgroup.procs" || exit 1

bench_podman_config "$T"

make_busybox_tar "$T/bb.tar" >/dev/null || exit 1
"$BERTH" image import "$T/bb.tar" localhost/busybox >/dev/null || exit 1
podman import -q "$T/bb.tar" localhost/busybox >/dev/null || exit 1

C=$T/ctx
mkdir -p "$C/src/lib" "$C/static"
for i in $(seq 1 150); do head -c $((1024 + i * 37)) /dev/urandom | base64 >"$C/src/lib/mod$i.py"; done
for i in $(seq 1 49); do head -c 16384 /dev/urandom >"$C/static/asset$i.bin"; done
echo 'print("hello")' >"$C/app.py"
printf '.git\n*.tmp\n' >"$C/.dockerignore"
cat >"$C/Dockerfile" <<'EOF'
FROM localhost/busybox
RUN mkdir -p /home/project && echo built > /home/project/.stamp
COPY . /home/project
WORKDIR /home/project
RUN find . -type f | sort > /home/project/MANIFEST
CMD ["sh", "-c", "cat MANIFEST"]
EOF
berth_build="$BERTH build -q -t bench-app $C"
buildah_bud="buildah bud --layers --quiet -t bench-app $C"
for c in "$berth_build" "$buildah_bud"; do
        $c >/dev/null 2>"$T/err" || { echo "build.sh: '$c' fails:"; cat "$T/err"; exit 1; }
done
# A COPY source with new content before every run: the COPY and what follows it miss
change="sh -c 'date +%s%N >$C/app.py'"

echo "berth build against buildah $(buildah --version | awk '{print $3}') (bud --layers, runc, cgroupfs," \
        "overlay), context of $(find "$C" -type f | wc -l) files ($(du -sh "$C" | cut -f1)); the machine is shared" \
        "with other sessions' builds and tests, so absolute figures swing, ratios less"
echo
bench_compare "cold build (--no-cache, base image present)" \
        --command-name "berth build --no-cache" "$BERTH build -q --no-cache -t bench-app $C" \
        --command-name "buildah bud --layers --no-cache" "buildah bud --layers --quiet --no-cache -t bench-app $C"
bench_compare "fully cached rebuild" \
        --command-name "berth build (cached)" "$berth_build" \
        --command-name "buildah bud --layers (cached)" "$buildah_bud"
bench_compare "rebuild after one changed COPY source" \
        --prepare "$change" --command-name "berth build (COPY changed)" "$berth_build" \
        --prepare "$change" --command-name "buildah bud --layers (COPY changed)" "$buildah_bud"
