#!/bin/bash
# berth-runtime's OCI face with existing namespaces joined by path (linux.namespaces[].path, as podman
# uses them for pods, --ipc container:X and --userns=ns:PATH) and with time namespaces
# (linux.timeOffsets). Container A runs; B joins A's namespaces by /proc/PID/ns/X and looks from inside.
# Like runtime-oci.sh, the script re-runs itself as PID 1 of a new pid namespace (reaping what `run`
# leaves) with a private mount namespace, inside a cgroup of its own.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
[ -e /proc/self/ns/time ] || skip_all "no time namespaces in this kernel"
. "$(dirname "$0")/../lib/runtime.sh"
runtime_oci_test_setup ns

# Far beyond any real uptime, so an offset clock cannot be mistaken for the host's.
OFFSET=200000000

# write_config BUNDLE ARGS_JSON [EXTRA_PYTHON]: a config.json like `runc spec` makes, with these args;
# EXTRA_PYTHON may change c, and ns(TYPE, PATH) adds a namespace.
write_config() {
        mkdir -p "$1"
        python3 - "$1/config.json" "$2" "$T/rootfs" "${3:-}" <<'EOF'
import json, sys
path, args, rootfs, extra = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
c = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False, "user": {"uid": 0, "gid": 0}, "args": args,
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "cwd": "/",
        "capabilities": {k: ["CAP_KILL", "CAP_SYS_CHROOT"] for k in ("bounding", "effective", "permitted")},
        "noNewPrivileges": True,
    },
    "root": {"path": rootfs},
    "hostname": "bhost",
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
               {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}],
    "linux": {"namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "cgroup")]},
}
def ns(t, p=None):
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != t]
    c["linux"]["namespaces"].append({"type": t, "path": p} if p else {"type": t})
exec(extra)
json.dump(c, open(path, "w"), indent=1)
EOF
}
state_field() { "$RT" state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]))' "$2"; }
status_is() { [ "$(state_field "$1" status)" = "$2" ]; }
run_in() { (cd "$1" && shift && "$RT" run "$@" </dev/null 2>&1); }
# field NAME: the value of "NAME=..." in $out
field() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }

# --- container A: its own namespaces of every kind, a user namespace from maps, a time namespace ---
write_config "$T/a" '["sh", "-c", "echo from-a >/scratch/a-was-here; exec sleep 1000"]' '
c["hostname"] = "ahost"
ns("user"); ns("time")
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 65536}]
c["linux"]["timeOffsets"] = {"boottime": {"secs": '$OFFSET', "nanosecs": 5}, "monotonic": {"secs": '$OFFSET'}}'
(cd "$T/a" && exec "$RT" run a1 </dev/null >"$T/a1.log" 2>&1) &
BG_PIDS+=($!)
check "container A runs" wait_until 10 status_is a1 running
status_is a1 running 2>/dev/null || sed "s/^/# a1: /" "$T/a1.log"
apid=$(state_field a1 pid)
check "... and has written its marker" wait_until 10 test -e "/proc/$apid/root/scratch/a-was-here"
host_ns() { readlink "/proc/$apid/ns/$1"; }

# --- time namespaces -----------------------------------------------------------------------------
check "A's time namespace is not the host's" test "$(host_ns time)" != "$(readlink /proc/self/ns/time)"
check "A's clock offsets are in /proc/PID/timens_offsets" \
        bash -c "grep -Eq '^boottime +$OFFSET +5\$' /proc/$apid/timens_offsets && grep -Eq '^monotonic +$OFFSET +0\$' /proc/$apid/timens_offsets"
check "exec into A gets its clocks too" \
        test "$("$RT" exec a1 cut -d. -f1 /proc/uptime 2>/dev/null || echo 0)" -ge "$OFFSET"
write_config "$T/t" '["sh", "-c", "echo uptime=$(cut -d. -f1 /proc/uptime)"]' '
ns("time")
c["linux"]["timeOffsets"] = {"boottime": {"secs": '$OFFSET'}}'
out=$(run_in "$T/t" t1)
up=$(field uptime)
check "a new time namespace: the container's init sees /proc/uptime offset by boottime ($up)" \
        test "${up:-0}" -ge "$OFFSET"
write_config "$T/t" '["sh", "-c", "echo uptime=$(cut -d. -f1 /proc/uptime)"]'
out=$(run_in "$T/t" t2)
up=$(field uptime)
check "without one, the host's uptime ($up)" test -n "$up" -a "${up:-$OFFSET}" -lt "$OFFSET"

# --- container B joins A's namespaces by path ----------------------------------------------------
write_config "$T/b" '["sh", "-c", "for n in ipc uts pid net user cgroup time; do echo $n=$(readlink /proc/self/ns/$n); done; echo hostname=$(hostname); echo map=$(cat /proc/self/uid_map); echo uptime=$(cut -d. -f1 /proc/uptime); echo self=$$; ps -o pid,args | grep -q \"[s]leep 1000\" && echo sees-a; test -e /scratch/a-was-here || echo own-mounts"]' '
for t in ("ipc", "uts", "pid", "network", "user", "cgroup", "time"):
    ns(t, "/proc/'$apid'/ns/" + {"network": "net"}.get(t, t))'
out=$(run_in "$T/b" b1)
for n in ipc uts pid net user cgroup time; do
        check "B joins A's $n namespace" test "$(field "$n")" = "$(host_ns "$n")"
done
check "... A's host name is B's" test "$(field hostname)" = ahost
check_output "... the user namespace keeps A's maps" "0 3100000000 65536" echo "$(field map)"
check "... B's process is not PID 1 in A's pid namespace" test "$(field self)" != 1
check_output "... and A's process is in B's ps" "sees-a" echo "$out"
up=$(field uptime)
check "... and B's clocks are A's ($up)" test "${up:-0}" -ge "$OFFSET"
check_output "... with a mount namespace of its own" "own-mounts" echo "$out"

# Maps given with a joined user namespace are not written (the spec says so): B still gets A's.
write_config "$T/b" '["cat", "/proc/self/uid_map"]' '
ns("user", "/proc/'$apid'/ns/user")
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 3200000000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 3200000000, "size": 65536}]'
check_output "maps given with a joined user namespace are not written" "0 3100000000 65536" \
        bash -c "cd '$T/b' && '$RT' run b2 </dev/null 2>&1 | tr -s ' '"

# The mount namespace: B sees A's tmpfs (and A's pid namespace, to see its /proc).
write_config "$T/b" '["sh", "-c", "cat /scratch/a-was-here; hostname"]' '
ns("mount", "/proc/'$apid'/ns/mnt"); ns("pid", "/proc/'$apid'/ns/pid")'
out=$(run_in "$T/b" b3)
check_output "B joins A's mount namespace and sees A's files" "from-a" echo "$out"
check_output "... with a UTS namespace of its own" "bhost" echo "$out"

# A user namespace made outside any container (as `unshare -U --map-root-user` does).
unshare -U --map-root-user sleep 1000 &
upid=$!
BG_PIDS+=($upid)
check "a user namespace made by unshare" wait_until 10 \
        bash -c "test \"\$(readlink /proc/$upid/ns/user)\" != \"\$(readlink /proc/self/ns/user)\""
write_config "$T/b" '["sh", "-c", "echo user=$(readlink /proc/self/ns/user); echo id=$(id -u)"]' '
ns("user", "/proc/'$upid'/ns/user")'
out=$(run_in "$T/b" b4)
check "B joins it" test "$(field user)" = "$(readlink /proc/$upid/ns/user)"
check "... as its root" test "$(field id)" = 0

# --- bad paths: one error naming the field, nothing left behind ----------------------------------
bad_join() { # NAME EXPECTED EXTRA_PYTHON
        write_config "$T/bad" '["true"]' "$3"
        check_output "$1" "$2" bash -c "cd '$T/bad' && '$RT' run bad 2>&1"
        check "... and nothing is left behind" test ! -e "$BERTH_RUN_DIR/oci/bad"
}
bad_join "a network namespace given as ipc is refused" \
        "linux.namespaces[5].path: /proc/$apid/ns/net is a namespace of type network, not ipc" \
        'ns("ipc", "/proc/'$apid'/ns/net")'
bad_join "a file that is not a namespace is refused" \
        "linux.namespaces[5].path: /etc/passwd is not a namespace file" 'ns("pid", "/etc/passwd")'
bad_join "a missing namespace file is refused" "linux.namespaces[6].path: cannot open /proc/999999999/ns/user" \
        'ns("user", "/proc/999999999/ns/user")'
bad_join "time offsets for a joined time namespace are refused" "linux.timeOffsets: given, but the time namespace is joined" '
ns("time", "/proc/'$apid'/ns/time"); c["linux"]["timeOffsets"] = {"boottime": {"secs": 1}}'
bad_join "time offsets without a time namespace are refused" "linux.timeOffsets: given, but linux.namespaces has no time" \
        'c["linux"]["timeOffsets"] = {"boottime": {"secs": 1}}'
bad_join "an unknown clock is refused" "linux.timeOffsets.realtime: unknown clock" '
ns("time"); c["linux"]["timeOffsets"] = {"realtime": {"secs": 1}}'
check_output "features lists time namespaces" '"time"' "$RT" features

# --- the unit face: --ipc, --pid, --uts container:NAME, --userns=container:NAME and ns:PATH -------
CASE=0
# rt ARGS...: supervise in a sub-cgroup of ours, as a unit's cgroup; start_bg NAME ARGS...: in the background.
rt() {
        CASE=$((CASE + 1))
        mkdir "$CG/case$CASE"
        (echo "$BASHPID" >"$CG/case$CASE/cgroup.procs" && exec "$RT" supervise "$@")
}
start_bg() {
        mkdir "$CG/bg-$1"
        (echo "$BASHPID" >"$CG/bg-$1/cgroup.procs" && exec "$RT" supervise --name="$1" "${@:2}") >"$T/$1.log" 2>&1 &
        BG_PIDS+=($!)
        BG=$!
}
start_bg ua --hostname=uahost --userns=auto --rootfs="$T/rootfs" sleep 1000
check "a supervised container to share namespaces with" wait_until 10 test -e "$BERTH_RUN_DIR/containers/ua/state.json"
upid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$BERTH_RUN_DIR/containers/ua/state.json" 2>/dev/null)
out=$(rt --name=ub --ipc=container:ua --pid=container:ua --uts=container:ua --userns=container:ua --rootfs="$T/rootfs" \
        sh -c 'for n in ipc pid uts user mnt; do echo $n=$(readlink /proc/self/ns/$n); done
               echo names=$(hostname):$HOSTNAME:$(cat /etc/hostname); echo map=$(cat /proc/self/uid_map)
               ps -o args | grep -q "[s]leep 1000" && echo sees-ua' 2>&1)
for n in ipc pid uts user; do
        check "--$n=container:NAME joins its $n namespace" \
                test "$(field "$n")" = "$(readlink "/proc/$upid/ns/$n")" -a -n "$(field "$n")"
done
check "... but not its mount namespace" test "$(field mnt)" != "$(readlink "/proc/$upid/ns/mnt")"
check "... the host name, HOSTNAME and /etc/hostname are the other container's" test "$(field names)" = uahost:uahost:uahost
check_output "... its process is in ps" "sees-ua" echo "$out"
check_output "--userns=ns:PATH joins that user namespace" "$(tr -s ' ' <"/proc/$upid/uid_map" | sed 's/^ //')" \
        bash -c "$(declare -f rt); CASE=100 CG='$CG' RT='$RT'; rt --name=uc --userns=ns:/proc/$upid/ns/user --rootfs='$T/rootfs' cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //'"
out=$(rt --name=ud --ipc=host --uts=host --pid=host --rootfs="$T/rootfs" \
        sh -c 'echo ipc=$(readlink /proc/self/ns/ipc); echo uts=$(readlink /proc/self/ns/uts); echo pid=$(readlink /proc/self/ns/pid); echo name=$(hostname)' 2>&1)
for n in ipc uts pid; do
        check "--$n=host: ours" test "$(field "$n")" = "$(readlink "/proc/self/ns/$n")"
done
check "... and the host name is ours" test "$(field name)" = "$(hostname)"
check_output "--ipc=container:NAME of a container that is not running" "must be running" \
        rt --name=ue --ipc=container:nosuch --rootfs="$T/rootfs" true
check_output "an invalid --pid" "expected private, host or container:NAME" rt --name=uf --pid=other --rootfs="$T/rootfs" true
check_output "--userns=ns: of a file that is not a user namespace" "is a namespace of type ipc, not user" \
        rt --name=ug --userns=ns:/proc/$upid/ns/ipc --rootfs="$T/rootfs" true
kill -TERM "$BG"
check "the shared container stops" wait_until 15 bash -c "! kill -0 $BG 2>/dev/null"

check "kill A" "$RT" kill a1 KILL
check "... it stops, and run removes it" wait_until 10 bash -c "! '$RT' state a1"
done_testing
