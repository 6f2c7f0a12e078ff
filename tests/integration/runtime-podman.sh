#!/bin/bash
# podman from Debian runs containers with berth-runtime as its OCI runtime (--runtime): conmon calls
# create (with --console-socket for -t), start, state, exec, kill and delete --force. Everything podman
# keeps (storage, runroot, tmpdir, containers.conf) is in a temporary directory, inside a private mount
# namespace, with --network=none, so the host's podman state and network are not touched.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
require_root

RT=$(cd "$BERTH_BUILD" 2>/dev/null && pwd)/berth-runtime
[ -x "$RT" ] || skip_all "$RT is not built"
command -v podman >/dev/null && command -v conmon >/dev/null || skip_all "podman or conmon is not installed"
if [ -z "${BERTH_PODMAN_TEST_INNER:-}" ]; then
        export BERTH_PODMAN_TEST_INNER=1
        exec unshare -m --propagation private bash "$0" "$@"
fi

T=$(mktemp -d /tmp/berth-podman-test.XXXXXX)
# podman makes libpod_parent in every cgroup hierarchy for conmon: remove it afterwards unless it was there.
PARENTS_BEFORE=$(ls -d /sys/fs/cgroup/*/libpod_parent 2>/dev/null)
# conmon does not pass our environment on: the runtime keeps its state in the default /run/berth/oci.
OCI_STATE=/run/berth/oci
export CONTAINERS_CONF=$T/containers.conf
# This host lacks CAP_SYS_RESOURCE, so podman's default rlimits (above the hard limits) cannot be set.
# Its cgroup v2 has no pids controller, so podman's default pids limit (2048) would be refused.
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
pids_limit = 0
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
P=(podman --root "$T/root" --runroot "$T/runroot" --tmpdir "$T/tmp" --storage-driver overlay
   --runtime "$RT")
# (not --runtime-flag root=: podman's exit command, which runs delete, does not pass runtime flags on)
cleanup() {
        [ -n "${upid:-}" ] && kill "$upid" 2>/dev/null
        "${P[@]}" pod rm -a -f -t 0 >/dev/null 2>&1
        "${P[@]}" rm -a -f -t 0 >/dev/null 2>&1
        "${P[@]}" rmi -a -f >/dev/null 2>&1
        umount -R "$T/root/overlay" "$T/runroot/overlay" 2>/dev/null
        if [ -z "$PARENTS_BEFORE" ]; then
                for d in /sys/fs/cgroup/*/libpod_parent; do
                        find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
                        rmdir "$d" 2>/dev/null
                done
        fi
        rm -rf "$T"
}
trap cleanup EXIT

make_busybox_tar "$T/bb.tar"
check "podman imports the busybox image" "${P[@]}" import -q "$T/bb.tar" localhost/bbox

check_output "podman run --rm prints the container's output" "hi" \
        "${P[@]}" run --rm --network=none --cidfile "$T/cid" localhost/bbox echo hi
"${P[@]}" run --rm --network=none localhost/bbox sh -c 'exit 7' && rc=0 || rc=$?
check "the exit status passes through conmon" test "$rc" -eq 7
"${P[@]}" run --rm --network=none localhost/bbox /no/such/program >/dev/null 2>&1 && rc=0 || rc=$?
check "a missing program gives a failure status" test "$rc" -ne 0
check "nothing of the runtime's state is left after --rm" test ! -e "$OCI_STATE/$(cat "$T/cid")"

# -t: conmon passes --console-socket and expects the pty master over it.
check_output "podman run -t: the payload gets a pty" "/dev/pts/0" \
        script -qec "${P[*]} run --rm -t --network=none localhost/bbox tty" /dev/null

check "podman run -d" "${P[@]}" run -d --name sleeper --network=none localhost/bbox \
        sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done'
check_output "podman ps shows it running (state)" "sleeper Up" "${P[@]}" ps --format '{{.Names}} {{.Status}}'
pid=$("${P[@]}" inspect -f '{{.State.Pid}}' sleeper)
id=$("${P[@]}" inspect -f '{{.Id}}' sleeper)
check "the runtime's state is in $OCI_STATE" test -e "$OCI_STATE/$id/state.json"
check "the payload runs in a pid namespace of its own" \
        test "$(readlink /proc/"$pid"/ns/pid)" != "$(readlink /proc/self/ns/pid)"
# podman exec: conmon runs `exec --process FILE --pid-file FILE --detach ID` and reaps the process.
check_output "podman exec prints the process's output" "hi" "${P[@]}" exec sleeper echo hi
"${P[@]}" exec sleeper sh -c 'exit 6' && rc=0 || rc=$?
check "podman exec passes the exit status through" test "$rc" -eq 6
check_output "podman exec runs in the container's pid namespace" "$(readlink /proc/"$pid"/ns/pid)" \
        "${P[@]}" exec sleeper readlink /proc/self/ns/pid
check_output "podman exec -t gets a pty" "/dev/pts/" \
        script -qec "${P[*]} exec -t sleeper tty" /dev/null
check "podman kill -s TERM (the runtime's kill)" "${P[@]}" kill -s TERM sleeper
check_output "podman wait gets the payload's exit status" "9" "${P[@]}" wait sleeper
check "podman rm (delete --force)" "${P[@]}" rm sleeper
check "no runtime state is left" test ! -e "$OCI_STATE/$id"
check "no process of the container is left" test ! -e "/proc/$pid"

check "podman run -d, then podman stop (SIGTERM, then SIGKILL)" "${P[@]}" run -d --name stopper --network=none \
        localhost/bbox sleep 1000
id=$("${P[@]}" inspect -f '{{.Id}}' stopper)
check "podman stop -t 1" "${P[@]}" stop -t 1 stopper
check_output "stopped by SIGKILL after the timeout" "137" "${P[@]}" inspect -f '{{.State.ExitCode}}' stopper
check "podman rm" "${P[@]}" rm stopper
check "nothing is left in the runtime's state" test ! -e "$OCI_STATE/$id" -a ! -e "/var/lib/berth/oci/$id"

# --ipc, --uts and --pid container:NAME: podman gives the other container's /proc/PID/ns paths.
check "a container to share namespaces with" "${P[@]}" run -d --name solo --network=none --hostname solohost \
        localhost/bbox sleep 1000
pid=$("${P[@]}" inspect -f '{{.State.Pid}}' solo)
out=$("${P[@]}" run --rm --network=none --ipc container:solo --uts container:solo --pid container:solo \
        localhost/bbox sh -c 'echo $(readlink /proc/self/ns/ipc) $(readlink /proc/self/ns/pid) $(hostname); ps' 2>&1)
check_output "--ipc, --pid and --uts container:NAME join its namespaces" \
        "$(readlink /proc/"$pid"/ns/ipc) $(readlink /proc/"$pid"/ns/pid) solohost" echo "$out"
check_output "... and its process shows in ps" "sleep 1000" echo "$out"
check "podman rm -f" "${P[@]}" rm -f -t 0 solo

# -v HOST:CTR:idmap with a user namespace: podman passes the "idmap" mount option.
mkdir -m 0755 "$T/idmapped"
check_output "podman run --uidmap ... -v DIR:/data:idmap: the container's root writes a root-owned host directory" \
        "inside=0:0" "${P[@]}" run --rm --network=none --uidmap 0:3600000000:65536 --gidmap 0:3600000000:65536 \
        -v "$T/idmapped:/data:idmap" localhost/bbox sh -c 'touch /data/made && stat -c inside=%u:%g /data/made'
check_output "... and its file is host root's" "0:0" stat -c %u:%g "$T/idmapped/made"

# --userns=ns:PATH: podman gives the path of an existing user namespace (made here as
# `unshare --map-root-user` makes one); the runtime joins it and writes no maps.
unshare -U --map-root-user sleep 1000 &
upid=$!
check "a user namespace to join" wait_until 10 \
        bash -c "test \"\$(readlink /proc/$upid/ns/user)\" != \"\$(readlink /proc/self/ns/user)\""
check_output "podman run --userns=ns:PATH joins it" "$(readlink /proc/$upid/ns/user)" \
        "${P[@]}" run --rm --network=none --userns=ns:/proc/$upid/ns/user localhost/bbox readlink /proc/self/ns/user
kill "$upid"
wait "$upid" 2>/dev/null

# A pod: its infra container's IPC and UTS namespaces are joined by the others through their paths
# (linux.namespaces[].path). podman builds its pause image here from catatonit; without it, no pod.
if "${P[@]}" pod create --name pp --network=none --share ipc,uts >/dev/null 2>&1; then
        check "podman pod start (the infra container)" "${P[@]}" pod start pp
        infra=$("${P[@]}" pod inspect -f '{{.InfraContainerID}}' pp)
        ipid=$("${P[@]}" inspect -f '{{.State.Pid}}' "$infra")
        check "a container in the pod" "${P[@]}" run -d --pod pp --name pc1 localhost/bbox sleep 1000
        pid=$("${P[@]}" inspect -f '{{.State.Pid}}' pc1)
        for n in ipc uts; do
                check "it joins the infra container's $n namespace" \
                        test "$(readlink /proc/"$pid"/ns/$n)" = "$(readlink /proc/"$ipid"/ns/$n)"
        done
        check "... and has a mount namespace of its own" \
                test "$(readlink /proc/"$pid"/ns/mnt)" != "$(readlink /proc/"$ipid"/ns/mnt)"
        check_output "a second one sees the pod's IPC namespace and host name" \
                "$(readlink /proc/"$ipid"/ns/ipc) pp" \
                "${P[@]}" run --rm --pod pp localhost/bbox sh -c 'echo $(readlink /proc/self/ns/ipc) $(hostname)'
        check "podman pod rm -f" "${P[@]}" pod rm -f -t 0 pp
        check "no process of the pod is left" test ! -e "/proc/$pid" -a ! -e "/proc/$ipid"
else
        diag "podman cannot create a pod here (no pause image): pod checks skipped"
fi

done_testing
