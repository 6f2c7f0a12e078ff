#!/bin/bash
# berth compose against podman-compose on the same 10-service project (busybox httpd on the project's
# default network), alternated in one hyperfine run: `up -d` followed by `down` as one measured
# command, berth under the nspawn-booted systemd of the tests (tests/lib/nspawn.sh), podman-compose
# rootful on the host with the settings these hybrid cgroups need (shared/reference: runc, cgroupfs,
# rlimits below the hard limits). Then the no-op second `up -d` of berth with the project running.
# BENCH_COMPOSE_RUNS (default 5) runs of each; podman-compose takes about 20-30 s a run. The script
# runs in network and mount namespaces of its own (bench/lib.sh), the project's CNI bridge with it.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v systemd-nspawn >/dev/null || ! command -v podman-compose >/dev/null; then
        echo "(compose benchmark skipped: needs root, systemd-nspawn and podman-compose)"
        exit 0
fi
bench_private_namespaces "$@"
runs=${BENCH_COMPOSE_RUNS:-5}
bench_podman_prepare || exit 1

mkdir -p "$NSPAWN_DIR/project" "$NSPAWN_DIR/podman"
{
        echo "services:"
        for i in $(seq 1 10); do
                cat <<YAML
  web$i:
    image: localhost/busybox
    command: ["httpd", "-f", "-p", "80"]
    stop_grace_period: 1s
    ulimits: {nofile: {soft: 20000, hard: 20000}, nproc: {soft: 4096, hard: 4096}}
YAML
        done
} >"$NSPAWN_DIR/project/compose.yaml"
cp "$NSPAWN_DIR/project/compose.yaml" "$NSPAWN_DIR/podman/"
bench_nspawn_boot --bind="$NSPAWN_DIR/project:/srv/project" || { echo "(compose benchmark skipped: no nspawn boot)"; exit 0; }
in_sd="${NSPAWN_ENTER[*]} sh -c"

BENCH_RUNS=$runs BENCH_WARMUP=1 bench_compare "compose up -d + down, 10 services ($runs runs each, alternated)" \
        --command-name "berth compose up -d + down" \
        "$in_sd 'cd /srv/project && berth compose up -d && berth compose down'" \
        --command-name "podman-compose up -d + down" \
        "sh -c 'cd $NSPAWN_DIR/podman && podman-compose up -d && podman-compose down -t 1'" || exit 1
nspawn_run sh -c 'cd /srv/project && berth compose up -d' >/dev/null 2>&1
bench_compare "berth compose up -d with the project running and nothing changed" \
        --command-name "nsenter + sh (floor)" "$in_sd true" \
        --command-name "berth compose up -d (no-op)" "$in_sd 'cd /srv/project && berth compose up -d'" || exit 1
nspawn_run sh -c 'cd /srv/project && berth compose down' >/dev/null 2>&1
