#!/bin/bash
# Stored layers work as overlayfs lower dirs: whiteouts hide lower files, opaque dirs hide lower
# directory contents. Mounts happen in a private mount namespace, so nothing leaks onto the host.
set -u
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/fixtures.sh"
require_root

BERTH="$BERTH_BUILD/berth"
T=$(mktemp -d /tmp/berth-image-overlay.XXXXXX)
export BERTH_STORAGE_DIR=$T/store
trap 'rm -rf "$T"' EXIT

make_busybox_tar "$T/bb.tar"
python3 - "$T/top.tar" <<'PY'
import io, sys, tarfile
tf = tarfile.open(sys.argv[1], "w")
for name, data in [("etc/.wh.group", b""), ("bin/.wh..wh..opq", b""), ("bin/only", b"top")]:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    tf.addfile(ti, io.BytesIO(data))
tf.close()
PY
lower() { "$BERTH" image inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["GraphDriver"]["Data"]["LowerDir"])'; }

check "import the base" "$BERTH" image import "$T/bb.tar" base
check "import the top layer" "$BERTH" image import "$T/top.tar" top
mkdir "$T/merged"
out=$(unshare -m --propagation private sh -c "mount -t overlay overlay -o ro,lowerdir=$(lower top):$(lower base) '$T/merged' &&
        ls '$T/merged/etc' '$T/merged/bin' | xargs" 2>&1)
check_output "the merged tree mounts" "passwd" echo "$out"
check "a whiteout hides the lower file" bash -c "[[ '$out' != *group* ]]"
check "an opaque directory hides the lower contents" bash -c "[[ '$out' == *only* && '$out' != *busybox* ]]"
check "nothing stays mounted on the host" bash -c "! grep -q '$T' /proc/self/mountinfo"

done_testing
