#!/bin/bash
# Installs the packages in tests/packages.txt that are missing. Idempotent and quiet when all are there.
set -euo pipefail
cd "$(dirname "$0")"
mapfile -t wanted < <(sed 's/#.*//' packages.txt | tr ' ' '\n' | grep -v '^$')
missing=()
for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: missing packages (run as root to install): ${missing[*]}" >&2
        exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The registry package starts nothing without systemd as PID 1, and the tests start their own.
