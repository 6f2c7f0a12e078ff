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
# OCI: a whiteout applies to the lower layers only. "same" whites out bin and then makes a new bin
# (whose lower contents must stay hidden), and makes etc and then whites it out (this layer's etc
# stays, the lower one is hidden); "implicit" whites out bin and then has a file in it without a
# directory entry.
python3 - "$T/same.tar" "$T/implicit.tar" <<'PY'
import io, sys, tarfile
def layer(path, entries):
    tf = tarfile.open(path, "w")
    for name, kind, data in entries:
        ti = tarfile.TarInfo(name)
        if kind == "dir":
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            tf.addfile(ti)
        else:
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    tf.close()
layer(sys.argv[1], [(".wh.bin", "file", b""), ("bin", "dir", b""), ("bin/new", "file", b"n"),
                    ("etc", "dir", b""), ("etc/mine", "file", b"m"), (".wh.etc", "file", b"")])
layer(sys.argv[2], [(".wh.bin", "file", b""), ("bin/implied", "file", b"i")])
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
check "import a layer with whiteouts and same-named directories" "$BERTH" image import "$T/same.tar" same
out=$(unshare -m --propagation private sh -c "mount -t overlay overlay -o ro,lowerdir=$(lower same):$(lower base) '$T/merged' &&
        echo bin: \$(ls '$T/merged/bin') etc: \$(ls '$T/merged/etc')" 2>&1)
check_output "whiteout then directory: only the new directory's files" "bin: new etc:" echo "$out"
check_output "directory then whiteout: the layer's own directory stays, the lower one is hidden" "etc: mine" echo "$out"
check "import a layer with a whiteout and a file under the same name" "$BERTH" image import "$T/implicit.tar" implicit
out=$(unshare -m --propagation private sh -c "mount -t overlay overlay -o ro,lowerdir=$(lower implicit):$(lower base) '$T/merged' &&
        echo bin: \$(ls '$T/merged/bin')" 2>&1)
check_output "whiteout then a file below it: only that file" "bin: implied" echo "$out"
check "nothing stays mounted on the host" bash -c "! grep -q '$T' /proc/self/mountinfo"

done_testing
