#!/bin/bash
# The CLI's two everyday paths against podman's, each alternated in one hyperfine run (issue 12):
#   - `berth run --rm IMAGE true` end to end (the transient unit started, the container run and
#     waited for, the unit gone), on the default bridge network and with --network=none, against
#     `podman run --rm IMAGE true` the same two ways. Goal: under a fifth of podman's time.
#   - `berth ps -a` with BENCH_CLI_CONTAINERS (default 200) exited containers against `podman ps -a`
#     with as many. Goal: under a tenth of podman's time. The containers run `false`: berth keeps an
#     exited container only while its unit is loaded, which systemd does for a failed one only.
# berth runs under the nspawn-booted systemd of the tests (tests/lib/nspawn.sh), entered with
# nsenter for each run (the "nsenter (floor)" line is what that costs); podman rootful on the host
# with the settings these hybrid cgroups need (runc, cgroupfs, rlimits below the hard limits).
#
# The script runs in a network and mount namespace of its own: podman's CNI bridge and rules live
# and die there, and podman keeps its images, containers and network configs below the run's
# temporary directory (storage.conf, containers.conf), never in the host's.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v systemd-nspawn >/dev/null || ! command -v podman >/dev/null; then
        echo "(CLI benchmark skipped: needs root, systemd-nspawn and podman)"
        exit 0
fi
if [ -z "${BERTH_BENCH_INNER:-}" ]; then
        export BERTH_BENCH_INNER=1
        exec unshare -n -m --propagation private bash "$0" "$@"
fi
ip link set lo up
count=${BENCH_CLI_CONTAINERS:-200}
# shellcheck source=../tests/lib/tap.sh
source "$BENCH_TOP/tests/lib/tap.sh"
# shellcheck source=../tests/lib/fixtures.sh
source "$BENCH_TOP/tests/lib/fixtures.sh"
# shellcheck source=../tests/lib/nspawn.sh
source "$BENCH_TOP/tests/lib/nspawn.sh"
nspawn_prepare
export CONTAINERS_CONF=$NSPAWN_DIR/containers.conf CONTAINERS_STORAGE_CONF=$NSPAWN_DIR/storage.conf
podman_cleanup() {
        podman rm -af >/dev/null 2>&1
        # podman's overlay mounts below $NSPAWN_DIR go before nspawn_stop removes the files
        findmnt -rn -o TARGET | grep "^$NSPAWN_DIR/containers/" | sort -r | xargs -r umount -l 2>/dev/null
}
trap 'podman_cleanup; nspawn_stop >/dev/null 2>&1' EXIT

cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[network]
network_config_dir = "$NSPAWN_DIR/containers/networks"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
cat >"$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "overlay"
graphroot = "$NSPAWN_DIR/containers/storage"
runroot = "$NSPAWN_DIR/containers/run"
CONF
mkdir -p "$NSPAWN_DIR/containers/networks"
make_busybox_tar "$NSPAWN_DIR/bb.tar" >/dev/null || exit 1
podman import -q "$NSPAWN_DIR/bb.tar" localhost/busybox >/dev/null || exit 1
nspawn_import_image localhost/busybox >/dev/null
nspawn_boot >/dev/null 2>&1 || { echo "(CLI benchmark skipped: no nspawn boot)"; exit 0; }
nspawn_enter_cmd
in_sd="${NSPAWN_ENTER[*]}"
for c in "$in_sd berth run --rm localhost/busybox true" "$in_sd berth run --rm --network=none localhost/busybox true" \
        "podman run --rm localhost/busybox true" "podman run --rm --network=none localhost/busybox true"; do
        $c >/dev/null 2>"$NSPAWN_DIR/err" || { echo "cli.sh: '$c' fails:"; cat "$NSPAWN_DIR/err"; exit 1; }
done

echo "podman $(podman --version | awk '{print $3}') with runc, cgroupfs, $(podman info --format '{{.Host.NetworkBackend}}');" \
        "berth under the nspawn-booted" \
        "systemd $(systemctl --version | awk 'NR == 1 {print $2}'); the machine is shared with other sessions'" \
        "builds and tests, so absolute figures swing, ratios less"
echo
bench_compare "run --rm IMAGE true, end to end" \
        --command-name "berth run --rm" "$in_sd berth run --rm localhost/busybox true" \
        --command-name "podman run --rm" "podman run --rm localhost/busybox true" \
        --command-name "berth run --rm --network=none" "$in_sd berth run --rm --network=none localhost/busybox true" \
        --command-name "podman run --rm --network=none" "podman run --rm --network=none localhost/busybox true" \
        --command-name "nsenter (floor)" "$in_sd true"

# $count exited containers on each side, made two at a time (the list is what is measured)
seq 1 "$count" | xargs -P 2 -I{} "${NSPAWN_ENTER[@]}" berth run -d --network=none --name "ps{}" localhost/busybox false \
        >/dev/null 2>"$NSPAWN_DIR/err" || { echo "cli.sh: berth run -d fails:"; tail -5 "$NSPAWN_DIR/err"; exit 1; }
seq 1 "$count" | xargs -P 2 -I{} podman run -d --network=none --name "ps{}" localhost/busybox false \
        >/dev/null 2>"$NSPAWN_DIR/err" || { echo "cli.sh: podman run -d fails:"; tail -5 "$NSPAWN_DIR/err"; exit 1; }
# the last ones may still be running: wait until both list $count exited containers
for _ in $(seq 100); do
        b=$("${NSPAWN_ENTER[@]}" berth ps -a | grep -c 'Exited (1)')
        p=$(podman ps -a | grep -c 'Exited (1)')
        [ "$b" -ge "$count" ] && [ "$p" -ge "$count" ] && break
        sleep 0.2
done
echo "(berth ps -a lists $b exited containers, podman ps -a $p)"
bench_compare "ps -a with $count exited containers" \
        --command-name "berth ps -a" "$in_sd berth ps -a" \
        --command-name "podman ps -a" "podman ps -a" \
        --command-name "nsenter (floor)" "$in_sd true"
