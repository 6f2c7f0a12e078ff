#!/bin/bash
# berth compose against podman-compose on the same 10-service project (busybox httpd on the project's
# default network), alternated in one hyperfine run: `up -d` followed by `down` as one measured
# command, berth under the nspawn-booted systemd of the tests (tests/lib/nspawn.sh), podman-compose
# rootful on the host with the settings these hybrid cgroups need (shared/reference: runc, cgroupfs,
# rlimits below the hard limits). Then the no-op second `up -d` of berth with the project running.
# BENCH_COMPOSE_RUNS (default 5) runs of each; podman-compose takes about 20-30 s a run.
#
# The script runs in a network and mount namespace of its own: podman's CNI bridge and rules for the
# project's network live and die there, and podman keeps its images, containers and network configs
# below the run's temporary directory (storage.conf, containers.conf), never in the host's.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v systemd-nspawn >/dev/null || ! command -v podman-compose >/dev/null; then
        echo "(compose benchmark skipped: needs root, systemd-nspawn and podman-compose)"
        exit 0
fi
if [ -z "${BERTH_BENCH_INNER:-}" ]; then
        export BERTH_BENCH_INNER=1
        exec unshare -n -m --propagation private bash "$0" "$@"
fi
ip link set lo up
runs=${BENCH_COMPOSE_RUNS:-5}
# shellcheck source=../tests/lib/tap.sh
source "$BENCH_TOP/tests/lib/tap.sh"
# shellcheck source=../tests/lib/fixtures.sh
source "$BENCH_TOP/tests/lib/fixtures.sh"
# shellcheck source=../tests/lib/nspawn.sh
source "$BENCH_TOP/tests/lib/nspawn.sh"
nspawn_prepare
export CONTAINERS_CONF=$NSPAWN_DIR/containers.conf CONTAINERS_STORAGE_CONF=$NSPAWN_DIR/storage.conf
podman_cleanup() {
        (cd "$NSPAWN_DIR/podman" 2>/dev/null && podman-compose down -t 1) >/dev/null 2>&1
        podman rm -af >/dev/null 2>&1
        # podman's overlay mounts below $NSPAWN_DIR go before nspawn_stop removes the files
        findmnt -rn -o TARGET | grep "^$NSPAWN_DIR/containers/" | sort -r | xargs -r umount -l 2>/dev/null
}
trap 'podman_cleanup; nspawn_stop >/dev/null 2>&1' EXIT

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
nspawn_boot --bind="$NSPAWN_DIR/project:/srv/project" >/dev/null 2>&1 || { echo "(compose benchmark skipped: no nspawn boot)"; exit 0; }
nspawn_enter_cmd
in_sd="${NSPAWN_ENTER[*]} sh -c"

json=$(mktemp)
echo "## compose up -d + down, 10 services ($runs runs each, alternated)"
hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$json" \
        --command-name "berth compose up -d + down" \
        "$in_sd 'cd /srv/project && berth compose up -d && berth compose down'" \
        --command-name "podman-compose up -d + down" \
        "sh -c 'cd $NSPAWN_DIR/podman && podman-compose up -d && podman-compose down -t 1'" \
        >"$NSPAWN_DIR/hyperfine.log" 2>&1 || { echo "(compose benchmark failed:)"; tail -20 "$NSPAWN_DIR/hyperfine.log"; exit 1; }
python3 - "$json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
base = statistics.median(r[0]["times"])
print(f"| {'command':<40} | median ms | ratio to {r[0]['command']} |")
print(f"|{'-'*42}|-----------|------|")
for x in r:
    m = statistics.median(x["times"])
    print(f"| {x['command']:<40} | {m*1000:9.1f} | {m/base:.2f} |")
PY
echo
nspawn_run sh -c 'cd /srv/project && berth compose up -d' >/dev/null 2>&1
echo "## berth compose up -d with the project running and nothing changed"
hyperfine -N --style none --warmup 3 --runs "${BENCH_RUNS}" --export-json "$json" \
        --command-name "nsenter + sh (floor)" "$in_sd true" \
        --command-name "berth compose up -d (no-op)" "$in_sd 'cd /srv/project && berth compose up -d'" \
        >"$NSPAWN_DIR/hyperfine.log" 2>&1 || { echo "(compose benchmark failed:)"; tail -20 "$NSPAWN_DIR/hyperfine.log"; exit 1; }
python3 - "$json" <<'PY'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| {r['command']:<40} | median {statistics.median(r['times'])*1000:7.1f} ms |")
PY
nspawn_run sh -c 'cd /srv/project && berth compose down' >/dev/null 2>&1
rm -f "$json"
echo
