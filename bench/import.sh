#!/bin/bash
# Import of a large rootfs tarball against `tar -x` of the same file (the disk-bound floor).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$BENCH_TOP/tests/lib/fixtures.sh"
work=$(mktemp -d /var/tmp/berth-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
make_busybox_rootfs "$work/root"
# About 100 MB in 2,000 files of mixed sizes, like a distribution image.
python3 - "$work/root/usr/share/data" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(2000):
    sub = os.path.join(d, f"d{i % 50}")
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, f"f{i}"), "wb") as f:
        f.write(os.urandom((i % 97 + 1) * 1024))
PY
tar -C "$work/root" -cf "$work/image.tar" .
echo "tarball: $(du -h "$work/image.tar" | cut -f1)"
BENCH_RUNS=${BENCH_RUNS:-10} bench_compare "import of a $(du -h "$work/image.tar" | cut -f1) rootfs tarball" \
        --prepare "bash -c 'rm -rf $work/x $work/store && mkdir -p $work/x'" \
        --command-name "tar -x (floor)" "tar -C $work/x -xf $work/image.tar" \
        --command-name "berth image import" "env BERTH_STORAGE_DIR=$work/store $BERTH_BUILD/berth image import $work/image.tar bench:latest"
