#!/bin/bash
# Import of a large rootfs tarball against `tar -x` of the same file (the disk-bound floor).
#
# Every run extracts into a fresh directory, and the trees of earlier runs are only deleted at the
# end: deleting one just before the next run makes ext4 skip the freshly freed inodes one by one
# when it allocates new ones (recently_deleted() in the kernel's profile), a cost of the benchmark's
# own cleanup that grows run by run and falls on whichever command comes later. Each run starts
# with nothing dirty (sync in --prepare), so berth's syncfs() writes only its own layer; tar's
# data is left unwritten by the floor, which does not make its files durable as berth does; a third
# command (tar -x, then sync -f) is the floor for what berth guarantees.
# $BENCH_DIR (default /var/tmp) is where the work happens, e.g. a file system of the benchmark's own.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$BENCH_TOP/tests/lib/fixtures.sh"
work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/berth-bench.XXXXXX")
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
mkdir "$work/runs"
echo "tarball: $(du -h "$work/image.tar" | cut -f1)"
BENCH_RUNS=${BENCH_RUNS:-10} bench_compare "import of a $(du -h "$work/image.tar" | cut -f1) rootfs tarball" \
        --prepare "bash -c 'ln -sfn \$(mktemp -d $work/runs/XXXXXX) $work/cur && mkdir $work/cur/x && sync'" \
        --command-name "tar -x (floor)" "tar -C $work/cur/x -xf $work/image.tar" \
        --command-name "tar -x, then syncfs (durable, as berth's layer)" \
        "bash -c 'tar -C $work/cur/x -xf $work/image.tar && sync -f $work/cur/x'" \
        --command-name "berth image import" "env BERTH_STORAGE_DIR=$work/cur/store $BERTH_BUILD/berth image import $work/image.tar bench:latest"
