#!/bin/bash
# Idmapped bind mounts and volumes (the "idmap" volume option): with a user namespace, a host directory
# mounted with idmap shows its host owners as the container's (host root as the container's root),
# so the container's root can write a root-owned host directory and what it creates belongs to host
# root; without idmap the same write is refused. Both faces: `supervise -v/--mount` (what `berth run`
# and the generator's Volume= give) and OCI mounts with the "idmap" option.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/runtime.sh"
runtime_test_setup idmap
# No /etc/hostname, /data, ... in it: the runtime makes those mount points through the idmapped root.
# A host directory owned by host root, writable by its owner only.
mkdir -m 0755 "$T/host" "$T/host2"
owner() { stat -c %u:%g "$1"; }

# --- bind mounts --------------------------------------------------------------------------------
out=$(rt --userns=auto --rootfs="$T/rootfs" -v "$T/host:/data:idmap" \
        sh -c 'stat -c owner=%u:%g /data; touch /data/made && echo wrote; stat -c inside=%u:%g /data/made' 2>&1)
check_output "with idmap, a root-owned host directory belongs to the container's root" "owner=0:0" echo "$out"
check_output "... which can write it" "wrote" echo "$out"
check_output "... and sees its file as its own" "inside=0:0" echo "$out"
check_output "... which belongs to host root on the host" "0:0" owner "$T/host/made"

out=$(rt --userns=auto --rootfs="$T/rootfs" -v "$T/host2:/data" \
        sh -c 'stat -c owner=%u:%g /data; touch /data/made 2>/dev/null && echo wrote || echo refused' 2>&1)
check_output "without idmap, the host's root is nobody inside" "owner=65534:65534" echo "$out"
check_output "... and the write is refused" "refused" echo "$out"
check "... so nothing was made" test ! -e "$T/host2/made"

out=$(rt --userns=auto --rootfs="$T/rootfs" -v "$T/host:/data:ro,idmap" \
        sh -c 'stat -c owner=%u:%g /data; touch /data/ro 2>/dev/null && echo wrote || echo refused' 2>&1)
check_output "ro,idmap: mapped" "owner=0:0" echo "$out"
check_output "... and read-only" "refused" echo "$out"

out=$(rt --uidmap=0:3300000000:65536 --gidmap=0:3300000000:65536 --rootfs="$T/rootfs" \
        --mount "type=bind,source=$T/host,destination=/data2,idmap" \
        sh -c 'touch /data2/by-mount && stat -c inside=%u:%g /data2/by-mount' 2>&1)
check_output "--mount type=bind,...,idmap with --uidmap/--gidmap" "inside=0:0" echo "$out"
check_output "... host root's on the host" "0:0" owner "$T/host/by-mount"

check_output "idmap without a user namespace is refused, and says why" "idmap needs a user namespace" \
        rt --rootfs="$T/rootfs" -v "$T/host:/data:idmap" true

# Maps of the mount's own (podman's idmap=uids=C-H-S#...;gids=...): on-disk C shows as host H.
mkdir -m 0755 "$T/host1000"
chown 1000:1000 "$T/host1000"
out=$(rt --uidmap=0:3300000000:65536 --gidmap=0:3300000000:65536 --rootfs="$T/rootfs" \
        -v "$T/host1000:/data:idmap=uids=1000-3300000000-1;gids=1000-3300000000-1" \
        sh -c 'stat -c owner=%u:%g /data; touch /data/own && echo wrote' 2>&1)
check_output "idmap=uids=...;gids=...: a directory of host uid 1000 is the container's root's" "owner=0:0" echo "$out"
check_output "... which writes it" "wrote" echo "$out"
check_output "... as uid 1000 on disk" "1000:1000" owner "$T/host1000/own"
check_output "... without a user namespace too (the ids show as mapped)" "owner=3700000000:3700000001" \
        rt --rootfs="$T/rootfs" -v "$T/host:/data:ro,idmap=uids=0-3700000000-1;gids=0-3700000001-1" stat -c owner=%u:%g /data
check_output "--mount ...,idmap=uids=...: the same" "owner=0:0" \
        rt --uidmap=0:3300000000:65536 --rootfs="$T/rootfs" \
        --mount "type=bind,src=$T/host1000,dst=/data,idmap=uids=1000-3300000000-1" stat -c owner=%u:%g /data
check_output "malformed maps are refused" "for option --volume" \
        rt --rootfs="$T/rootfs" -v "$T/host:/data:idmap=uids=1-2" true

# --- named volumes ------------------------------------------------------------------------------
out=$(rt --userns=auto --rootfs="$T/rootfs" -v "vol1:/etc:idmap" \
        sh -c 'stat -c passwd=%u:%g /etc/passwd; touch /etc/made && echo wrote' 2>&1)
data=$BERTH_STATE_DIR/volumes/vol1/_data
check_output "a named volume with idmap: the image's files copied in are the container's root's" "passwd=0:0" echo "$out"
check_output "... it can write the volume" "wrote" echo "$out"
check_output "... the copied files keep the image's ids on disk" "0:0" owner "$data/passwd"
check_output "... and its new file is host root's" "0:0" owner "$data/made"

# --- what stays resident with a user namespace: the small static monitor --------------------------
# It holds the block of ids --userns=auto reserved (its lock file) until the container is gone.
resident_small() { # resident_small PID
        local exe rss
        exe=$(readlink "/proc/$1/exe") && rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status") || return 1
        [ "${exe##*/}" = berth-runtime-monitor ] && [ "$rss" -le 500 ] || { echo "$exe: VmRSS $rss kB"; return 1; }
}
# berth's locks are OFD locks, which a POSIX lock (lockf) conflicts with, and flock(1) does not see
block_locked() {
        ! python3 -c 'import fcntl, sys; fcntl.lockf(open(sys.argv[1], "r+"), fcntl.LOCK_EX | fcntl.LOCK_NB)' \
                "$(ls "$BERTH_RUN_DIR"/userns/*.lock | head -1)" 2>/dev/null
}
block_free() { ! block_locked; }
bg --name=ns-auto --userns=auto --rootfs="$T/rootfs" --stop-timeout=1 -v "$T/host:/data:idmap" sleep 1000
NS_BG=${BG_PIDS[-1]}
check "--userns=auto: the resident supervisor is the monitor, <= 500 kB" wait_until 10 resident_small "$NS_BG"
check "... which holds the block of ids" block_locked
check "... exec still enters the user namespace" bash -c \
        "'$RT' exec ns-auto cat /proc/self/uid_map | grep -q '^ *0 *[1-9][0-9]* *65536'"
kill -TERM "$NS_BG"
wait "$NS_BG"
check "... and the block is free once it stopped" block_free
check "... its cgroup left empty" rmdir "$CG/case$CASE"
bg --name=ns-map --uidmap=0:3300000000:65536 --rootfs="$T/rootfs" --stop-timeout=1 sleep 1000
NS_BG=${BG_PIDS[-1]}
check "--uidmap: the resident supervisor is the monitor, <= 500 kB" wait_until 10 resident_small "$NS_BG"
kill -TERM "$NS_BG"
wait "$NS_BG" && rc=0 || rc=$?
check "... a requested stop exits 0" test "$rc" -eq 0
check "... its cgroup left empty" rmdir "$CG/case$CASE"

# --- the OCI face -------------------------------------------------------------------------------
mkdir -p "$T/bundle"
python3 - "$T/bundle/config.json" "$T/rootfs" "$T/host" <<'EOF'
import json, sys
path, rootfs, host = sys.argv[1:]
maps = [{"containerID": 0, "hostID": 3400000000, "size": 65536}]
json.dump({
    "ociVersion": "1.0.2",
    "process": {"user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/bin"],
                "args": ["sh", "-c", "touch /data/oci && stat -c inside=%u:%g /data/oci"]},
    "root": {"path": rootfs},
    "mounts": [{"destination": "/data", "type": "bind", "source": host, "options": ["rbind", "rw", "idmap"],
                "uidMappings": maps, "gidMappings": maps}],
    "linux": {"namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "user")],
              "uidMappings": maps, "gidMappings": maps},
}, open(path, "w"))
EOF
check_output "OCI: a bind mount with the idmap option" "inside=0:0" \
        bash -c "cd '$T/bundle' && unshare -m --propagation private '$RT' run o1 2>&1"
check_output "... host root's on the host" "0:0" owner "$T/host/oci"
sed -i 's/"hostID": 3400000000/"hostID": 3500000000/g' "$T/bundle/config.json"
python3 - "$T/bundle/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
m = [{"containerID": 1000, "hostID": 3500000000, "size": 1}]
c["mounts"][0].update(source=c["mounts"][0]["source"] + "1000", uidMappings=m, gidMappings=m)
json.dump(c, open(sys.argv[1], "w"))
EOF
check_output "OCI: a bind mount with uidMappings of its own: host uid 1000 is the container's root" "inside=0:0" \
        bash -c "cd '$T/bundle' && unshare -m --propagation private '$RT' run o2 2>&1"
check_output "... and writes as uid 1000 on disk" "1000:1000" owner "$T/host1000/oci"
python3 - "$T/bundle/config.json" <<'EOF2'
import json, sys
c = json.load(open(sys.argv[1]))
c["mounts"][0]["uidMappings"] = [{"containerID": 0, "hostID": 1}]
json.dump(c, open(sys.argv[1], "w"))
EOF2
check_output "OCI: malformed mount mappings are refused by field" "mounts[0].uidMappings: expected" \
        bash -c "cd '$T/bundle' && '$RT' run o3 2>&1"

check "OCI features: idmapped mounts are enabled" bash -c "'$RT' features | python3 -c 'import json,sys; sys.exit(not json.load(sys.stdin)[\"linux\"][\"mountExtensions\"][\"idmap\"][\"enabled\"])'"
check_output "... and the idmap and ridmap mount options listed" '"idmap", "ridmap"' "$RT" features

# --- the option parses everywhere: berth check of a .container (the generator's code) -------------
mkdir -p "$T/defs"
printf '[Container]\nImage=docker.io/library/busybox\nVolume=%s:/data:idmap\nVolume=v1:/v:ro,idmap\nUserNS=auto\n' \
        "$T/host" >"$T/defs/idm.container"
if [ -x "$BERTH" ]; then
        check_output "berth check accepts Volume=...:idmap" "OK" "$BERTH" check "$T/defs/idm.container"
fi
check_output "an unknown volume option is still refused" "for option --volume" \
        rt --userns=auto --rootfs="$T/rootfs" -v "$T/host:/data:idmapx" true
done_testing
