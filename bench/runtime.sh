#!/bin/bash
# berth-runtime against crun and runc: `run` of /bin/true from one OCI bundle (busybox rootfs), the
# three alternated in one hyperfine run; then the resident memory of the process that supervises a
# running container: berth-runtime (unit face and OCI monitor) against conmon under podman.
#
# crun 1.8 refuses hybrid cgroups ("cgroups in hybrid mode not supported") as long as cgroup2 is
# mounted at /sys/fs/cgroup/unified. So everything runs in one private mount namespace in which that
# mount is gone and cgroup2 is mounted at another place instead: crun and runc see a plain v1 host and
# use the v1 controllers; berth-runtime (v2 only) finds cgroup2 there through mountinfo. All three run
# in that same namespace, on the same bundle, with the same config.json (`crun spec`, args /bin/true).
set -eEuo pipefail
source "$(dirname "$0")/lib.sh"
source "$BENCH_TOP/tests/lib/fixtures.sh"
RT=$(cd "$BERTH_BUILD" && pwd)/berth-runtime
[ "$(id -u)" = 0 ] || { echo "runtime.sh: needs root"; exit 1; }
for t in crun runc hyperfine; do
        command -v $t >/dev/null || { echo "runtime.sh: $t is not installed"; exit 1; }
done

if [ -z "${BERTH_BENCH_INNER:-}" ]; then
        export BERTH_BENCH_INNER=1
        exec unshare -m --propagation private bash "$0" "$@"
fi

work=$(mktemp -d /tmp/berth-bench-runtime.XXXXXX)
cg=""
cleanup() {
        set +e # everything here is best effort
        for id in b-crun b-runc; do crun delete -f $id >/dev/null 2>&1; runc delete -f $id >/dev/null 2>&1; done
        [ -n "$cg" ] && { echo 1 >"$cg/cgroup.kill"; sleep 0.2; find "$cg" -mindepth 1 -depth -type d -exec rmdir {} + ; rmdir "$cg"; } 2>/dev/null
        # podman's storage mounts (and the moved cgroup2) below $work go before the files do.
        findmnt -rn -o TARGET | grep "^$work/" | sort -r | xargs -r umount -l 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT
umount /sys/fs/cgroup/unified
mkdir "$work/cg2"
mount -t cgroup2 none "$work/cg2"
export BERTH_RUN_DIR=$work/berth-run BERTH_STATE_DIR=$work/berth-state

B=$work/bundle
mkdir -p "$B"
make_busybox_rootfs "$B/rootfs"
(cd "$B" && crun spec)
python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
cd "$B"
for r in "$RT" crun runc; do
        "$r" run b-check >/dev/null 2>&1 || { echo "runtime.sh: '$r run' fails on the bundle"; exit 1; }
done

echo "crun $(crun --version | head -1 | awk '{print $3}'), runc $(runc --version | head -1 | awk '{print $3}'); bundle: busybox rootfs, \`crun spec\` with args [\"/bin/true\"]"
echo
BENCH_RUNS=${BENCH_RUNS:-100} bench_compare "OCI run of /bin/true (one private mount namespace, cgroup2 moved away from /sys/fs/cgroup/unified)" \
        --command-name "crun run" "crun run b-crun" \
        --command-name "berth-runtime run" "$RT run b-berth" \
        --command-name "runc run" "runc run b-runc"

# --- memory of the supervising process ----------------------------------------------------------------
# mem PID: "RSS kB / PSS kB" from smaps_rollup
mem() { awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} END {printf "%d | %d", r, p}' "/proc/$1/smaps_rollup"; }
echo "## Resident memory of the process supervising one running \`sleep\` container"
echo
echo "| supervisor | RSS kB | PSS kB |"
echo "|---|---|---|"

# The unit face, as systemd runs it: in a cgroup of its own (standing in for the Delegate=yes unit).
cg=$work/cg2/berth-bench-supervise.$$
mkdir "$cg"
(echo $BASHPID >"$cg/cgroup.procs" && exec "$RT" supervise --name=bench-sleep --rootfs="$B/rootfs" sleep 1000) \
        >/dev/null 2>&1 &
sup=$!
for _ in $(seq 100); do [ -e "$BERTH_RUN_DIR/containers/bench-sleep/state.json" ] && break; sleep 0.05; done
echo "| berth-runtime supervise (unit face) | $(mem $sup) |"
kill -TERM $sup; wait $sup 2>/dev/null || true
find "$cg" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
rmdir "$cg" && cg=""

# The OCI face: the monitor that create leaves behind.
python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["process"]["args"] = ["sleep", "1000"]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
"$RT" create b-mon </dev/null >/dev/null 2>&1
"$RT" start b-mon
# The monitor is berth-runtime-monitor once the container runs (a fork of berth-runtime before).
monitor=
for _ in $(seq 100); do
        monitor=$(pgrep -f "berth-runtime-monitor .* name=b-mon " | head -1) && break
        sleep 0.02
done
[ -n "$monitor" ] || monitor=$(pgrep -f "berth-runtime create b-mon" | head -1)
echo "| berth-runtime OCI monitor (create/start) | $(mem "$monitor") |"
"$RT" delete --force b-mon

# conmon, under podman with its own storage in $work (podman needs cgroup2 back in place for runc).
if command -v podman >/dev/null && command -v conmon >/dev/null; then
        mount --move "$work/cg2" /sys/fs/cgroup/unified 2>/dev/null || mount -t cgroup2 none /sys/fs/cgroup/unified
        cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
        P=(env CONTAINERS_CONF="$work/containers.conf" podman --root "$work/proot" --runroot "$work/prunroot"
           --tmpdir "$work/ptmp" --storage-driver overlay --runtime runc)
        make_busybox_tar "$work/bb.tar"
        "${P[@]}" import -q "$work/bb.tar" localhost/bbox >/dev/null
        "${P[@]}" run -d --name bench-sleep --network=none localhost/bbox sleep 1000 >/dev/null
        conmon_pid=$("${P[@]}" inspect -f '{{.State.ConmonPid}}' bench-sleep)
        echo "| conmon $(conmon --version | head -1 | awk '{print $3}') (podman run -d, runc) | $(mem "$conmon_pid") |"
        "${P[@]}" rm -f -t 0 bench-sleep >/dev/null
        "${P[@]}" rmi -a -f >/dev/null 2>&1
        umount -R "$work/proot/overlay" "$work/prunroot/overlay" 2>/dev/null || true
        for d in /sys/fs/cgroup/*/libpod_parent; do
                find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$d" 2>/dev/null
        done
fi
echo
