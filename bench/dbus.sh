#!/bin/bash
# berthd's cost, under the tests' nspawn-booted systemd (as tests/integration/dbus-api.sh runs it):
#   - a container started and stopped through busctl (RunContainer + StopContainer), through the CLI
#     (berth run -d + berth stop) and through systemd-run + systemctl stop with the same runtime,
#     alternated in one hyperfine run; the container's command ends on SIGTERM, so each stop is the
#     ordinary one. Goal: the D-Bus path adds at most 5 ms to the CLI's.
#   - berthd's resident memory once idle after some calls. Goal: under 2 MB.
#   - the time from bus activation (berthd not running) to the first reply, against a Ping to a
#     running berthd.
# Root, from the top of the tree, after `make -j2`.
set -u
BENCH_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$BENCH_TOP/bench/lib.sh"
. "$BENCH_TOP/tests/lib/tap.sh"
. "$BENCH_TOP/tests/lib/fixtures.sh"
. "$BENCH_TOP/tests/lib/nspawn.sh"
export BERTH_BUILD
command -v hyperfine >/dev/null || { echo "hyperfine is missing (tests/packages.txt)"; exit 1; }

nspawn_prepare
mkdir -p "$NSPAWN_DIR/bench"
cat >"$NSPAWN_DIR/bench/busctl.sh" <<'EOS'
busctl call -- org.berth1 /org/berth1 org.berth1.Manager RunContainer 'ssasasa{sv}' b-bus localhost/busybox \
        3 sh -c "trap 'exit 0' TERM; sleep 1000 & wait" 0 0 >/dev/null &&
busctl call -- org.berth1 /org/berth1 org.berth1.Manager StopContainer su b-bus 4294967295
EOS
cat >"$NSPAWN_DIR/bench/cli.sh" <<'EOS'
berth run -d --rm --name b-cli localhost/busybox sh -c "trap 'exit 0' TERM; sleep 1000 & wait" >/dev/null &&
berth stop b-cli >/dev/null
EOS
cat >"$NSPAWN_DIR/bench/systemd-run.sh" <<'EOS'
systemd-run -q --unit=b-sr.service -p Type=notify -p NotifyAccess=all -p Delegate=yes -p KillMode=mixed \
        /usr/local/libexec/berth/berth-runtime supervise --name=b-sr localhost/busybox \
        sh -c "trap 'exit 0' TERM; sleep 1000 & wait" &&
systemctl stop b-sr.service
EOS
nspawn_import_image localhost/busybox >/dev/null
nspawn_boot --bind="$NSPAWN_DIR/bench:/srv/bench" >/dev/null || { echo "nspawn boot failed"; exit 1; }
nspawn_run busctl call org.berth1 /org/berth1 org.berth1.Manager Ping >/dev/null

json=$NSPAWN_DIR/bench/start-stop.json
echo "## Start and stop a container: D-Bus, CLI, systemd-run (inside the nspawn container)"
nspawn_run hyperfine -N --style none --warmup 2 --runs "$BENCH_RUNS" --export-json /srv/bench/out.json \
        --command-name "systemd-run + systemctl stop" "sh /srv/bench/systemd-run.sh" \
        --command-name "berth run -d + berth stop" "sh /srv/bench/cli.sh" \
        --command-name "busctl RunContainer + StopContainer" "sh /srv/bench/busctl.sh" >/dev/null
cp "$NSPAWN_DIR/bench/out.json" "$json"
python3 - "$json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
base = statistics.median(r[0]["times"])
print(f"| {'command':<40} | median ms | ratio to {r[0]['command']} |")
print(f"|{'-'*42}|-----------|------|")
for x in r:
    m = statistics.median(x["times"])
    print(f"| {x['command']:<40} | {m*1000:9.2f} | {m/base:.2f} |")
PY
echo

echo "## berthd idle"
for i in $(seq 20); do nspawn_run busctl call org.berth1 /org/berth1 org.berth1.Manager ListContainers >/dev/null; done
sleep 1
pid=$(nspawn_run systemctl show -P MainPID berthd.service)
echo "| berthd VmRSS after 20 ListContainers | $(nspawn_run grep VmRSS "/proc/$pid/status" | awk '{print $2, $3}') |"
echo "| ... of which private (Private_Clean + Private_Dirty) | $(nspawn_run cat "/proc/$pid/smaps_rollup" | awk '/^Private/ {s += $2} END {print s, "kB"}') |"
echo

echo "## Activation to first reply"
nspawn_run hyperfine -N --style none --warmup 1 --runs "$BENCH_RUNS" --export-json /srv/bench/out.json \
        --command-name "Ping, berthd running" --prepare true "busctl call org.berth1 /org/berth1 org.berth1.Manager Ping" \
        --command-name "Ping, berthd activated by it" --prepare "systemctl stop berthd.service" \
        "busctl call org.berth1 /org/berth1 org.berth1.Manager Ping" >/dev/null
python3 - "$NSPAWN_DIR/bench/out.json" <<'PY'
import json, statistics, sys
for x in json.load(open(sys.argv[1]))["results"]:
    print(f"| {x['command']:<40} | {statistics.median(x['times'])*1000:9.2f} ms |")
PY
