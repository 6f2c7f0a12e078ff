#!/bin/bash
# The CLI's two everyday paths against podman's, each alternated in one hyperfine run (issue 12):
#   - `berth run --rm IMAGE true` end to end (the transient unit started, the container run and
#     waited for, the unit gone), on the default bridge network and with --network=none, against
#     `podman run --rm IMAGE true` the same two ways. Goal: under a fifth of podman's time.
#   - `berth ps -a` with BENCH_CLI_CONTAINERS (default 200) exited containers against `podman ps -a`
#     with as many. Goal: under a tenth of podman's time. The containers run `false`: berth lists
#     them from their records (kept until `berth rm`) and their failed units.
# berth runs under the nspawn-booted systemd of the tests (tests/lib/nspawn.sh), entered with
# nsenter for each run (the "nsenter (floor)" line is what that costs); podman rootful on the host
# (bench/lib.sh: bench_podman_prepare), the script in network and mount namespaces of its own.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v systemd-nspawn >/dev/null || ! command -v podman >/dev/null; then
        echo "(CLI benchmark skipped: needs root, systemd-nspawn and podman)"
        exit 0
fi
bench_private_namespaces "$@"
count=${BENCH_CLI_CONTAINERS:-200}
bench_podman_prepare || exit 1
bench_nspawn_boot || { echo "(CLI benchmark skipped: no nspawn boot)"; exit 0; }
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
