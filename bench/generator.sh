#!/bin/bash
# Generator time for 1,000 definition files against the floor of reading the same files (cat).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/defs" "$work/out"
for i in $(seq 1 1000); do
        cat >"$work/defs/app$i.container" <<DEF
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
bench_compare "generator: 1,000 .container files (output on tmpfs)" \
        --command-name "cat (read floor)" "sh -c 'cat $work/defs/*.container >/dev/null'" \
        --command-name "berth-generator" "$BERTH_BUILD/berth-generator $work/out"
