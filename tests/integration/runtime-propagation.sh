#!/bin/bash
# Bind mount propagation (-v SRC:DST:rprivate|rslave|rshared, --mount bind-propagation=): whether a
# mount made on the host below SRC appears in the container, and one made by the container below
# DST on the host. The script runs in a mount namespace of its own (nothing reaches the real host);
# there, a shared tmpfs plays the host directory, and the runtime keeps its peers (unshare
# --propagation unchanged).
set -u
if [ -z "${BERTH_PROPAGATION_TEST_UNSHARED:-}" ] && [ "$(id -u)" -eq 0 ]; then
        BERTH_PROPAGATION_TEST_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/runtime.sh"
runtime_test_setup propagation
RT_PROPAGATION=unchanged

HOSTDIR=$T/hostdir CTL=$T/ctl
mkdir -p "$HOSTDIR" "$CTL"
mount -t tmpfs hostdir "$HOSTDIR"
mount --make-shared "$HOSTDIR"
unmount_all() { umount -R "$HOSTDIR" 2>/dev/null; }
RUNTIME_CLEANUP+=(unmount_all)

# host_mount_seen VOLUME_OPTION...: a container waits for /ctl/go, then writes to $T/result whether
# the tmpfs the host mounted below the volume meanwhile is visible to it. Runs in the main shell (bg
# keeps its bookkeeping there).
host_mount_seen() {
        local name=c$CASE
        rm -f "$CTL/go" "$T/result"
        mkdir -p "$HOSTDIR/late"
        bg --rootfs="$ROOTFS" --name="$name" "$@" -v "$CTL:/ctl" sh -c \
                'while [ ! -e /ctl/go ]; do sleep 0.05; done; [ -e /p/late/marker ] && echo seen || echo unseen'
        wait_until 10 test -e "$BERTH_RUN_DIR/containers/$name/state.json"
        mount -t tmpfs late "$HOSTDIR/late" && touch "$HOSTDIR/late/marker" && touch "$CTL/go"
        wait "${BG_PIDS[-1]}"
        umount "$HOSTDIR/late"
        cp "$T/bg-$CASE.log" "$T/result"
}

host_mount_seen -v "$HOSTDIR:/p"
check_output "by default (rprivate) a host mount below the volume stays out" "unseen" cat "$T/result"
host_mount_seen -v "$HOSTDIR:/p:rslave"
check_output "rslave: it appears in the container" "seen" grep -x seen "$T/result"
host_mount_seen -v "$HOSTDIR:/p:ro,rshared"
check_output "rshared (and ro): it appears too" "seen" grep -x seen "$T/result"
host_mount_seen --mount "type=bind,source=$HOSTDIR,destination=/p,bind-propagation=rslave"
check_output "--mount bind-propagation=rslave: it appears" "seen" grep -x seen "$T/result"

# container_mount_reaches_host PROPAGATION: the container mounts a tmpfs below the volume; $T/result
# says whether the host sees the file in it.
container_mount_reaches_host() {
        rm -f "$CTL/done" "$CTL/stop" "$T/result"
        mkdir -p "$HOSTDIR/inner"
        bg --rootfs="$ROOTFS" --name="c$CASE" --cap-add SYS_ADMIN -v "$HOSTDIR:/p:$1" -v "$CTL:/ctl" sh -c \
                'mount -t tmpfs inner /p/inner && touch /p/inner/from-container && touch /ctl/done
                 while [ ! -e /ctl/stop ]; do sleep 0.05; done'
        wait_until 10 test -e "$CTL/done" || sed 's/^/# /' "$T/bg-$CASE.log"
        if [ -e "$HOSTDIR/inner/from-container" ]; then echo reached; else echo stayed; fi >"$T/result"
        touch "$CTL/stop"
        wait "${BG_PIDS[-1]}"
        umount "$HOSTDIR/inner" 2>/dev/null
}
container_mount_reaches_host rshared
check_output "rshared: a mount made in the container reaches the host" "reached" cat "$T/result"
container_mount_reaches_host rslave
check_output "rslave: it does not" "stayed" cat "$T/result"
container_mount_reaches_host rprivate
check_output "rprivate: it does not" "stayed" cat "$T/result"
check "... and the container's mount is gone with it" test ! -e "$HOSTDIR/inner/from-container"

check_output "an unknown propagation is refused" "for option --volume" \
        rt --rootfs="$ROOTFS" -v "$HOSTDIR:/p:rsharedx" true
check_output "shared propagation with a user namespace of the container's own is refused, naming the volume" \
        "'/p': shared propagation needs a container without a user namespace" \
        rt --rootfs="$ROOTFS" --uidmap 0:200000:65536 --gidmap 0:200000:65536 -v "$HOSTDIR:/p:rshared" true

done_testing
