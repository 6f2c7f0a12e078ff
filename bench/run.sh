#!/bin/bash
# make bench: every benchmark, each comparing berth with its peers or floor in one alternated run.
set -uo pipefail
cd "$(dirname "$0")"
echo "# berth benchmarks, $(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r)"
echo
for b in generator.sh import.sh pull.sh runtime.sh supervisor-memory.sh network.sh dbus.sh build.sh compose.sh cli.sh; do
        [ -x "$b" ] || continue
        bash "$b" || echo "($b failed)"
done
