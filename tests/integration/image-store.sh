#!/bin/bash
# The image store and `berth image`: import (file, stdin, gzip/xz/zstd), ls/inspect/tag/rm/prune,
# layer sharing, concurrent imports, and a killed import leaving nothing visible.
set -u
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/fixtures.sh"

BERTH="$BERTH_BUILD/berth"
T=$(mktemp -d /tmp/berth-image-store.XXXXXX)
export BERTH_STORAGE_DIR=$T/store
cleanup() {
        [ -n "${import_pid:-}" ] && kill -9 "$import_pid" 2>/dev/null && wait "$import_pid" 2>/dev/null
        exec 7>&- 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

make_busybox_rootfs "$T/rootfs"
tar -C "$T/rootfs" --numeric-owner -cf "$T/bb.tar" .
diff_id="sha256:$(sha256sum <"$T/bb.tar" | cut -d' ' -f1)"

n_layers() { find "$BERTH_STORAGE_DIR/layers" -mindepth 1 -maxdepth 1 | wc -l; }
n_images() { find "$BERTH_STORAGE_DIR/images" -mindepth 1 -maxdepth 1 -name '*.json' | wc -l; }
tmp_empty() { [ -z "$(ls -A "$BERTH_STORAGE_DIR/tmp")" ]; }
json_get() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
tree_listing() { (cd "$1" && find . -printf '%P %y %m %U %G %s %l\n' | sort); }

# --- import and the extracted tree ---------------------------------------------------------------
check "import from a file" "$BERTH" image import "$T/bb.tar" busybox
check_output "ls shows localhost/busybox:latest" "localhost/busybox" "$BERTH" images
check_output "ls shows the tag" "latest" "$BERTH" image ls
layer=$BERTH_STORAGE_DIR/layers/${diff_id#sha256:}/diff
check "the layer is stored under its diffID (sha256 of the tar)" test -d "$layer"
check "the extracted files match the rootfs (types, modes, owners, sizes, link targets)" \
        diff <(tree_listing "$T/rootfs") <(tree_listing "$layer")
check "file contents match" cmp "$T/rootfs/bin/busybox" "$layer/bin/busybox"
check_output "inspect: RootFS.Layers is the diffID" "$diff_id" \
        bash -c "'$BERTH' image inspect busybox | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"RootFS\"][\"Layers\"][0])'"
check_output "inspect: an imported image has no Cmd" "None" \
        bash -c "'$BERTH' image inspect busybox | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"Config\"][\"Cmd\"])'"
check_output "inspect: Docker field names" '"RepoTags"' "$BERTH" image inspect localhost/busybox:latest
check_output "ls REFERENCE lists only that image" "1" bash -c "'$BERTH' images --format json busybox | grep -c '\"Id\"'"
check "ls --format json is JSON" bash -c "'$BERTH' images --format json | python3 -m json.tool"
id=$("$BERTH" image inspect busybox | json_get 'd[0]["Id"]')
short=${id#sha256:}
short=${short:0:12}
check_output "ls shows the 12-digit id" "$short" "$BERTH" images
check "inspect by short id" "$BERTH" image inspect "$short"
check "inspect by full id" "$BERTH" image inspect "$id"
check_fails "inspect of a missing image fails" "$BERTH" image inspect nosuchimage
check_output "a missing image is named in the error" "No such image: nosuchimage" "$BERTH" image inspect nosuchimage

# --- docker import's --change and --message -------------------------------------------------------------
check "import with --change" "$BERTH" image import -c 'CMD ["/bin/sh", "-c", "echo hi"]' -c 'ENV A=1 "B=two words"' \
        -c 'EXPOSE 80 53/udp' -c 'WORKDIR /srv' -c 'LABEL org.example=yes' -m 'from a test' "$T/bb.tar" changed
check_output "Cmd, Env, ExposedPorts, WorkingDir and Labels are set" \
        "['/bin/sh', '-c', 'echo hi'] ['A=1', 'B=two words'] ['53/udp', '80/tcp'] /srv {'org.example': 'yes'}" \
        bash -c "'$BERTH' image inspect changed | python3 -c 'import json,sys; c=json.load(sys.stdin)[0][\"Config\"]; print(c[\"Cmd\"], c[\"Env\"], sorted(c[\"ExposedPorts\"]), c[\"WorkingDir\"], c[\"Labels\"])'"
check_output "an unsupported instruction is refused" "RUN is not supported" \
        "$BERTH" image import -c 'RUN make' "$T/bb.tar" changed2
check "rm" "$BERTH" image rm changed

# --- stdin and compressed variants share the layer ------------------------------------------------
check "import from stdin" bash -c "'$BERTH' image import - bb-stdin <'$T/bb.tar'"
check "import gzip" bash -c "gzip -c '$T/bb.tar' >'$T/bb.tar.gz' && '$BERTH' image import '$T/bb.tar.gz' bb-gz"
check "import xz" bash -c "xz -c '$T/bb.tar' >'$T/bb.tar.xz' && '$BERTH' image import '$T/bb.tar.xz' bb-xz"
if command -v zstd >/dev/null; then
        check "import zstd" bash -c "zstd -q -c '$T/bb.tar' >'$T/bb.tar.zst' && '$BERTH' image import '$T/bb.tar.zst' bb-zst"
        check_output "the zstd image has the same diffID" "$diff_id" "$BERTH" image inspect bb-zst
else
        diag "zstd is not installed (tests/packages.txt lists it); skipping the zstd variant"
fi
check_output "the gzip image has the same diffID" "$diff_id" "$BERTH" image inspect bb-gz
check_output "the xz image has the same diffID" "$diff_id" "$BERTH" image inspect bb-xz
check_output "every import shares one layer dir" "1" n_layers
check "nothing is left in tmp/" tmp_empty

# --- names: short-name lookup, tag, re-import moves the tag -----------------------------------------
check "tag into docker.io" "$BERTH" image tag bb-gz docker.io/library/alpine:3
check_output "the short name finds docker.io/library/alpine:3" "docker.io/library/alpine:3" "$BERTH" image inspect alpine:3
check "tag a second local name" "$BERTH" image tag busybox mybox:1
check_output "the tag is listed" "localhost/mybox" "$BERTH" images
mkdir -p "$T/other/etc" && echo other >"$T/other/etc/hostname"
tar -C "$T/other" -cf "$T/other.tar" .
check "re-import under an existing name" "$BERTH" image import "$T/other.tar" busybox
check_output "the name moved to the new image" "other" bash -c "cat $BERTH_STORAGE_DIR/layers/*/diff/etc/hostname"
new_id=$("$BERTH" image inspect busybox | json_get 'd[0]["Id"]')
check "busybox now names the new image" test "$new_id" != "$id"
check_output "the old image keeps its other name" "localhost/mybox:1" "$BERTH" image inspect "$id"

# --- rm and prune ---------------------------------------------------------------------------------
check "give the old image a second name" "$BERTH" image tag mybox:1 mybox:2
check_output "rm of one of several names only untags" "Untagged: localhost/mybox:1" "$BERTH" image rm mybox:1
check_output "the image is still there by id" "$id" "$BERTH" image inspect "$short"
check "rm the remaining names of the first imports" "$BERTH" image rm bb-stdin bb-gz bb-xz alpine:3 mybox:2
check "two layers while the first image lives" test "$(n_layers)" -eq 2
check "import the busybox tar again, dangling the other image's name" "$BERTH" image import "$T/bb.tar" busybox
check_output "prune removes the nameless image" "Deleted: $new_id" "$BERTH" image prune
check_output "... and its unused layer" "1" n_layers
[ -n "$(command -v zstd)" ] && check "rm bb-zst" "$BERTH" image rm bb-zst
check "rm by id of an image with several names needs --force" bash -c "
        '$BERTH' image tag busybox extra && ! '$BERTH' image rm \$('$BERTH' image inspect busybox | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"Id\"])')"
check "rmi is image rm" bash -c "'$BERTH' image tag busybox rmi-me && '$BERTH' rmi rmi-me | grep -q 'Untagged: localhost/rmi-me:latest'"
check "rm -f by id" bash -c "'$BERTH' image rm -f \$('$BERTH' image inspect busybox | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"Id\"])')"
check_output "no images left" "0" n_images
check_output "no layers left" "0" n_layers
check "no blobs left" test -z "$(ls -A "$BERTH_STORAGE_DIR/blobs/sha256")"

# --- a layer a container runs on survives rm (image_store_pin: a shared lock on its layer.json) ---------
check "import an image to pin" "$BERTH" image import "$T/bb.tar" pinned
# a POSIX read lock conflicts with the store's OFD write-lock test just like the runtime's pin does
python3 -c 'import fcntl, sys, time; f = open(sys.argv[1]); fcntl.lockf(f, fcntl.LOCK_SH); print("locked", flush=True); time.sleep(60)' \
        "$BERTH_STORAGE_DIR/layers/${diff_id#sha256:}/layer.json" >"$T/pin.out" &
pin_pid=$!
wait_until 10 grep -q locked "$T/pin.out"
check_output "rm of the pinned image deletes the image" "Deleted:" "$BERTH" image rm pinned
check "its layer stays while pinned" test -f "$layer/bin/busybox"
kill "$pin_pid"; wait "$pin_pid" 2>/dev/null
check "prune after the container is gone" "$BERTH" image prune
check_output "... collects the layer" "0" n_layers

# --- bad input leaves nothing -----------------------------------------------------------------------
head -c 5000 /dev/urandom >"$T/garbage"
check_fails "importing garbage fails" "$BERTH" image import "$T/garbage" junk
check_fails "an invalid name is refused" "$BERTH" image import "$T/bb.tar" 'Bad/Name'
head -c 700000 "$T/bb.tar" >"$T/truncated.tar"
check_fails "a truncated tarball fails" "$BERTH" image import "$T/truncated.tar" trunc
check "failed imports leave no layers, images or staging" bash -c "[ $(n_layers) -eq 0 ] && [ $(n_images) -eq 0 ] && [ -z \"\$(ls -A $BERTH_STORAGE_DIR/tmp)\" ]"

# --- two imports at once end with one correct copy --------------------------------------------------
"$BERTH" image import "$T/bb.tar" race >"$T/race1.out" 2>&1 &
p1=$!
"$BERTH" image import "$T/bb.tar" race >"$T/race2.out" 2>&1 &
p2=$!
wait $p1 && rc1=0 || rc1=$?
wait $p2 && rc2=0 || rc2=$?
check "both concurrent imports succeed" test "$rc1" -eq 0 -a "$rc2" -eq 0
check_output "one layer dir" "1" n_layers
check_output "the name is on exactly one image" "1" bash -c "'$BERTH' images --format json | grep -c '\"localhost/race:latest\"'"
check "the shared layer is complete" diff <(tree_listing "$T/rootfs") <(tree_listing "$layer")
check "no staging left" tmp_empty

# --- a killed import leaves nothing visible; the next open cleans tmp/ -------------------------------
"$BERTH" image rm race >/dev/null
"$BERTH" image prune >/dev/null # the loser of the race is a nameless image
mkfifo "$T/fifo"
"$BERTH" image import "$T/fifo" killed >/dev/null 2>&1 &
import_pid=$!
exec 7>"$T/fifo"
head -c 1000000 "$T/bb.tar" >&7
check "the import is staging" wait_until 10 bash -c "ls $BERTH_STORAGE_DIR/tmp/*/layer/diff/bin >/dev/null"
{ kill -9 "$import_pid" && wait "$import_pid"; } 2>/dev/null # (bash reports the kill on stderr)
import_pid=
exec 7>&-
check "the killed import left a staging dir" test -n "$(ls -A "$BERTH_STORAGE_DIR/tmp")"
check_output "no layer is visible" "0" n_layers
check_output "no image is visible" "0" n_images
check "the next command works" "$BERTH" images
check "and removed the leftovers" tmp_empty

done_testing
