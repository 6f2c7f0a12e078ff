#!/bin/bash
# Named volumes: `berth volume` and their use by berth-runtime (--volume NAME:/dst, --mount
# type=volume). The runtime runs as tests/lib/runtime.sh sets it up: in a cgroup of its own, in a private
# mount namespace, with every berth directory in a temporary directory.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/runtime.sh"
runtime_test_setup volume
LOOPDEV=
detach_loop() { [ -z "$LOOPDEV" ] || losetup -d "$LOOPDEV" 2>/dev/null; }
RUNTIME_CLEANUP+=(detach_loop)

mkdir -p "$ROOTFS/seed/sub"
echo seeded >"$ROOTFS/seed/sub/file"
ln -s /etc/passwd "$ROOTFS/seed/link"
mkfifo "$ROOTFS/seed/fifo"
mknod "$ROOTFS/seed/null" c 1 3
chown 65534:65534 "$ROOTFS/seed"
chmod 0750 "$ROOTFS/seed"
data() { echo "$BERTH_STATE_DIR/volumes/$1/_data"; }

# --- the CLI ------------------------------------------------------------------------------------
check_output "volume create prints the name" "v1" "$BERTH" volume create --label app=web v1
check_fails "creating it again is an error" "$BERTH" volume create v1
check "... unless --ignore" "$BERTH" volume create --ignore v1
check "volume.json is written" test -s "$BERTH_STATE_DIR/volumes/v1/volume.json"
check "_data is a directory" test -d "$(data v1)"
check_fails "a name starting with '_' is refused" "$BERTH" volume create _x
check_fails "a name with '/' is refused" "$BERTH" volume create a/b
check_fails "an unknown driver is refused" "$BERTH" volume create --driver nfs x
check_output "an unknown option is named" "Unknown volume option 'size'" "$BERTH" volume create --opt size=1 x
check_fails "device= without type= is refused" "$BERTH" volume create --opt device=/dev/sda x
check_output "volume ls lists it" "local      v1" "$BERTH" volume ls
check_output "volume ls --format json" '"Name": "v1"' "$BERTH" volume ls --format json
inspect=$("$BERTH" volume inspect v1)
check_output "inspect: Mountpoint" "\"Mountpoint\": \"$(data v1)\"" echo "$inspect"
check_output "inspect: Labels" '"app": "web"' echo "$inspect"
check_output "inspect: Driver" '"Driver": "local"' echo "$inspect"
check_output "inspect: CreatedAt" '"CreatedAt": "20' echo "$inspect"
check "inspect output is JSON with the docker fields" \
        jq -e '.[0] | has("Name") and has("Driver") and has("Mountpoint") and has("Labels") and has("Options") and has("CreatedAt")' <<<"$inspect"
check_output "inspect of a missing volume names it" "No such volume: nope" "$BERTH" volume inspect nope
check "--uid/--gid own _data" bash -c "'$BERTH' volume create --uid 1234 --gid 5678 owned && [ \"\$(stat -c %u:%g '$(data owned)')\" = 1234:5678 ]"
check "... and inspect shows UID and GID" bash -c "'$BERTH' volume inspect owned | jq -e '.[0].UID == 1234 and .[0].GID == 5678'"

# --- containers ---------------------------------------------------------------------------------
check "a container writes into a named volume" in_ctr -v v1:/data 'echo hello >/data/msg'
check_output "the next container reads it" "hello" in_ctr -v v1:/data 'cat /data/msg'
check_output "the data is in the volume's _data" "hello" cat "$(data v1)/msg"
check_output "ro is enforced" "Read-only file system" in_ctr -v v1:/data:ro 'echo x >/data/msg'
check_output "a missing volume is created implicitly" "implicit" in_ctr -v implicit:/data 'echo implicit >/data/f; cat /data/f'
check_output "... and listed" "implicit" "$BERTH" volume ls -q
check_output "--mount type=volume" "hello" in_ctr --mount type=volume,source=v1,destination=/m 'cat /m/msg'
check_output "--mount type=volume,ro" "Read-only file system" in_ctr --mount type=volume,source=v1,destination=/m,ro 'touch /m/x'

# copy-up: an empty volume over a directory with content gets that content, owner and mode.
check_output "copy-up: the image's files appear in a new volume" "seeded" in_ctr -v cu:/seed 'cat /seed/sub/file'
check_output "copy-up: the content is in the volume" "seeded" cat "$(data cu)/sub/file"
check_output "copy-up: symlinks stay symlinks" "/etc/passwd" readlink "$(data cu)/link"
check "copy-up: fifos are copied" test -p "$(data cu)/fifo"
check_fails "copy-up: device nodes are not" test -e "$(data cu)/null"
check_output "copy-up: owner and mode of the directory" "65534:65534 750" stat -c '%u:%g %a' "$(data cu)"
echo changed >"$ROOTFS/seed/sub/file"
check_output "copy-up only into an empty volume" "seeded" in_ctr -v cu:/seed 'cat /seed/sub/file'
echo seeded >"$ROOTFS/seed/sub/file"
check_output "nocopy disables copy-up" "empty" in_ctr -v nc:/seed:nocopy '[ -z "$(ls -A /seed)" ] && echo empty'
check "volume option copy=false too" "$BERTH" volume create --opt copy=false ncopt
check_output "... is honoured" "empty" in_ctr -v ncopt:/seed '[ -z "$(ls -A /seed)" ] && echo empty'

# Two containers starting at once with the same new volume: one copies, the other waits for it.
race() {
        in_ctr --name=race1 -v race:/seed 'cat /seed/sub/file' >"$T/race1.out" 2>&1 &
        local p1=$!
        CASE=$((CASE + 1)) # the background subshell took this case's cgroup
        in_ctr --name=race2 -v race:/seed 'cat /seed/sub/file' >"$T/race2.out" 2>&1
        local rc2=$?
        wait $p1 && [ $rc2 -eq 0 ] && grep -q seeded "$T/race1.out" && grep -q seeded "$T/race2.out"
}
check "two containers copy up into one new volume at the same time" race

# The same from an image: the directory comes from the overlay's lower layer.
tar -C "$ROOTFS" --numeric-owner -cf "$T/seed.tar" .
if "$BERTH" image import "$T/seed.tar" localhost/seed >/dev/null 2>&1; then
        check_output "copy-up from an image layer" "seeded 65534" \
                rt --name=img -v imgvol:/seed localhost/seed sh -c 'echo $(cat /seed/sub/file) $(stat -c %u /seed)'
else
        check "berth image import of the seed image" false
fi

# tmpfs and bind volumes: mounted in the container's namespace only.
check "a tmpfs volume" "$BERTH" volume create --opt type=tmpfs --opt device=tmpfs --opt o=size=2m,nodev tmpv
check_output "... is a tmpfs of that size in the container" "tmpfs 2048" \
        in_ctr -v tmpv:/t 'df -k /t | awk "NR==2 {print \$1, \$2}"; grep -q " /t tmpfs " /proc/mounts || echo not-mounted'
check_output "... gets copy-up too" "seeded" in_ctr -v tmpv:/seed 'cat /seed/sub/file'
check_output "... keeps nothing between containers" "gone" in_ctr -v tmpv:/t 'test -e /t/x || echo gone'
check "... and leaves no mount on the host" bash -c "! grep -q '$T' /proc/self/mountinfo"
mkdir -p "$T/hostdir" && echo from-host >"$T/hostdir/f"
check "a bind volume" "$BERTH" volume create --opt type=bind --opt device="$T/hostdir" --opt o=bind bindv
check_output "... shows the host directory" "from-host" in_ctr -v bindv:/b 'cat /b/f'
check "a read-only bind volume (o=ro)" "$BERTH" volume create --opt type=bind --opt device="$T/hostdir" --opt o=bind,ro robind
check_output "... is read-only" "Read-only file system" in_ctr -v robind:/b 'touch /b/new'

# A file system on a device (a loop device over a file here). The supervisor mounts it (detached)
# before the container's device filter applies; only the container's namespace ever has it attached.
if truncate -s 16M "$T/ext4.img" && mkfs.ext4 -q -F "$T/ext4.img" >/dev/null 2>&1 &&
                LOOPDEV=$(losetup --find --show "$T/ext4.img" 2>/dev/null); then
        check "an ext4 volume on $LOOPDEV" "$BERTH" volume create --opt type=ext4 --opt device="$LOOPDEV" --opt o=noatime extv
        check_output "... is that file system in the container" "ext4" \
                in_ctr -v extv:/e 'echo keep >/e/f; grep " /e " /proc/mounts'
        check_output "... keeps data between containers" "keep" in_ctr -v extv:/e 'cat /e/f'
        check_output "... and can be mounted read-only" "Read-only file system" in_ctr -v extv:/e:ro 'touch /e/g'
        check "... with no mount left on the host" bash -c "! grep -q '$LOOPDEV' /proc/self/mountinfo"
        check "... nor in use: the loop device detaches" losetup -d "$LOOPDEV"
        LOOPDEV=
else
        diag "no loop device here; the device volume checks are skipped"
fi

# --- rm while in use ----------------------------------------------------------------------------
CASE=$((CASE + 1)); mkdir "$CG/case$CASE"
(echo "$BASHPID" >"$CG/case$CASE/cgroup.procs" && exec unshare -m --propagation private "$RT" supervise \
        --rootfs="$ROOTFS" --name=user1 -v v1:/data -v busy2:/b sh -c 'touch /data/started; exec sleep 300') >/dev/null 2>&1 &
BG_PIDS+=($!)
check "a container using v1 starts" wait_until 20 test -e "$(data v1)/started"
check_output "rm of an in-use volume is refused, naming the container" "in use by running container(s) user1" \
        "$BERTH" volume rm v1
check "the volume is still there" test -s "$BERTH_STATE_DIR/volumes/v1/volume.json"
check_fails "prune keeps it" bash -c "'$BERTH' volume prune -f | grep -qx v1"
check "... it is still there after prune" "$BERTH" volume inspect v1
check_output "busy2 is in use too" "in use by running container(s) user1" "$BERTH" volume rm busy2
check "rm -f removes it even so" "$BERTH" volume rm -f v1
check_fails "... it is gone" "$BERTH" volume inspect v1
kill -TERM "${BG_PIDS[0]}"
wait "${BG_PIDS[0]}" 2>/dev/null
BG_PIDS=()
rmdir "$CG/case$CASE" 2>/dev/null
check "once the container is gone, rm works" "$BERTH" volume rm busy2
check_fails "busy2 is gone" "$BERTH" volume inspect busy2
check_fails "rm of a missing volume fails" "$BERTH" volume rm v1
check "... unless --ignore" "$BERTH" volume rm --ignore v1
check "prune removes unused volumes" "$BERTH" volume prune -f
check "nothing is left" bash -c "[ -z \"\$('$BERTH' volume ls -q)\" ]"
check "no mount leaked into this namespace" bash -c "! grep -q '$T' /proc/self/mountinfo"

done_testing
