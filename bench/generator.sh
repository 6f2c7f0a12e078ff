#!/bin/bash
# Generator time for 1,000 definition files against the floor of reading the same files (cat), in one
# alternated run, and the generator's share of a `systemctl daemon-reload` under a real systemd (the
# nspawn harness of the tests): reloads with the 1,000 files in /etc/berth against reloads without.
# BENCH_NO_RELOAD=1 skips the second part (it needs root and systemd-nspawn).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
# systemd gives generators an empty directory on a tmpfs (/run/systemd/generator): so does this.
out=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work" "$out"' EXIT
mkdir -p "$work/defs/set"
for i in $(seq 1 1000); do
        cat >"$work/defs/set/app$i.container" <<DEF
[Unit]
Description=benchmark container $i

[Container]
Image=localhost/busybox
Exec=httpd -f -p 80$((i % 10))
Environment=INDEX=$i MODE=bench
Volume=/srv/app$i:/data:ro
PublishPort=127.0.0.1:$((20000 + i)):80
Label=app=bench

[Install]
WantedBy=multi-user.target
DEF
done
export BERTH_UNIT_DIRS=$work/defs
bench_compare "generator: 1,000 .container files (output on tmpfs, emptied before each run)" \
        --prepare true --command-name "cat (read floor)" "sh -c 'cat $work/defs/set/*.container >/dev/null'" \
        --prepare "sh -c 'rm -rf $out/* && mkdir -p $out'" \
        --command-name "berth-generator" "$BERTH_BUILD/berth-generator --no-kmsg-log $out"

unset BERTH_UNIT_DIRS
[ -n "${BENCH_NO_RELOAD:-}" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v systemd-nspawn >/dev/null; then
        echo "(daemon-reload share skipped: needs root and systemd-nspawn)"
        exit 0
fi
# The test harness boots this host's /usr in a container with berth installed and /etc/berth bound
# from $work/defs: moving set/ out of it on the host takes the files away without a reboot.
# nspawn.sh builds on the TAP helpers (require_root, skip_all, TAP_FAILED); its diagnostics go to stderr.
# shellcheck source=../tests/lib/tap.sh
source "$BENCH_TOP/tests/lib/tap.sh"
diag() { echo "# $*" >&2; }
# shellcheck source=../tests/lib/nspawn.sh
source "$BENCH_TOP/tests/lib/nspawn.sh"
nspawn_prepare # sets its own EXIT trap: replace it with one that also removes the scratch files
trap 'nspawn_stop >/dev/null 2>&1; rm -rf "$work" "$out"' EXIT
NSPAWN_ETC_BERTH=$work/defs
nspawn_boot >/dev/null 2>&1 || { echo "(daemon-reload share skipped: the nspawn container did not boot)"; exit 0; }
reload=(nsenter -t "$NSPAWN_LEADER" -a systemctl daemon-reload)
nspawn_run systemctl daemon-reload
generated() { nspawn_run sh -c 'ls /run/systemd/generator | grep -c "^app.*[.]service$"' || true; }
with=$(generated)
mkdir -p "$work/off"
mv "$work/defs/set" "$work/off/"
nspawn_run systemctl daemon-reload
without=$(generated)
echo "## systemctl daemon-reload under the nspawn-booted systemd ($with generated units, then $without)"
json=$(mktemp)
hyperfine -N --style none --warmup 2 --runs "$BENCH_RUNS" --export-json "$json.without" \
        --command-name "daemon-reload, no definitions" "${reload[*]}" >/dev/null
mv "$work/off/set" "$work/defs/"
hyperfine -N --style none --warmup 2 --runs "$BENCH_RUNS" --export-json "$json.with" \
        --command-name "daemon-reload, 1,000 .container files" "${reload[*]}" >/dev/null
# The generator alone, inside, into a scratch directory on the container's /tmp (a tmpfs).
hyperfine -N --style none --warmup 2 --runs "$BENCH_RUNS" --export-json "$json.gen" \
        --command-name "berth-generator alone, inside" \
        --prepare "nsenter -t $NSPAWN_LEADER -a sh -c 'rm -rf /tmp/gen && mkdir /tmp/gen'" \
        "nsenter -t $NSPAWN_LEADER -a env -i /usr/local/lib/systemd/system-generators/berth-generator --no-kmsg-log /tmp/gen" \
        >/dev/null
python3 - "$json" <<'PY'
import json, statistics, sys
med = lambda f: statistics.median(json.load(open(f))["results"][0]["times"]) * 1000
without, with_, gen = med(sys.argv[1] + ".without"), med(sys.argv[1] + ".with"), med(sys.argv[1] + ".gen")
print(f"| {'command':<40} | median ms |")
print(f"|{'-'*42}|-----------|")
print(f"| {'daemon-reload, no definitions':<40} | {without:9.2f} |")
print(f"| {'daemon-reload, 1,000 .container files':<40} | {with_:9.2f} |")
print(f"| {'berth-generator alone (inside)':<40} | {gen:9.2f} |")
print(f"\nberth-generator alone is {gen / with_ * 100:.0f}% of the reload with 1,000 files; the files add "
      f"{with_ - without:.0f} ms to a reload in all (generator, then systemd loading 1,000 more units).")
PY
rm -f "$json" "$json".*
echo
