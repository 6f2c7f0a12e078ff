# The setting of the tests that run berth-runtime supervise directly, the way a Delegate=yes unit
# runs it: each run in a cgroup of its own (made here under the cgroup2 mount, as systemd would), in
# a private mount namespace, with every berth directory in a temporary directory.
# Source it after tap.sh and fixtures.sh, then call runtime_test_setup NAME. It sets:
#   RT, BERTH   the built programs (absolute paths)
#   T           the test's temporary directory; BERTH_RUN_DIR, BERTH_STATE_DIR, BERTH_STORAGE_DIR in it
#   CG          the test's cgroup (below CG_MOUNT, the cgroup2 mount); every run gets CG/caseN
#   ROOTFS      a busybox root file system
# and removes all of it on exit, whatever happened. A test with more to undo appends a function name
# to RUNTIME_CLEANUP (it runs first).

RUNTIME_CLEANUP=()
BG_PIDS=()
RT_PROPAGATION=private # of each run's own mount namespace (unshare --propagation)
CASE=0

runtime_test_cleanup() {
        local f p d
        for f in "${RUNTIME_CLEANUP[@]}"; do "$f"; done
        for p in "${BG_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
        # Children first: any cgroup left below ours is a failure already reported; kill and remove it.
        for d in $(find "$CG" -mindepth 1 -type d 2>/dev/null | sort -r); do
                echo 1 >"$d/cgroup.kill" 2>/dev/null
                rmdir "$d" 2>/dev/null
        done
        rmdir "$CG" 2>/dev/null
        rm -rf "$T"
}

# runtime_test_setup NAME: the programs, the temporary directory, the cgroup and the root file system.
runtime_test_setup() {
        local build
        require_root
        build=$(cd "$BERTH_BUILD" 2>/dev/null && pwd)
        RT=$build/berth-runtime
        BERTH=$build/berth
        [ -x "$RT" ] && [ -x "$BERTH" ] || skip_all "berth and berth-runtime are not built in $BERTH_BUILD"
        CG_MOUNT=$(findmnt -n -t cgroup2 -o TARGET | head -1)
        [ -n "$CG_MOUNT" ] || skip_all "no cgroup2 mount"
        T=$(mktemp -d "/tmp/berth-$1-test.XXXXXX")
        CG=$CG_MOUNT/berth-$1-test.$$.$RANDOM
        export BERTH_RUN_DIR=$T/run BERTH_STATE_DIR=$T/state BERTH_STORAGE_DIR=$T/storage
        unset NOTIFY_SOCKET
        trap runtime_test_cleanup EXIT
        mkdir "$CG"
        make_busybox_rootfs "$T/rootfs"
        ROOTFS=$T/rootfs
}

# runtime_oci_test_setup NAME: the same for tests of the OCI face. The script first re-runs itself as
# PID 1 of a new pid namespace (which reaps what `create` leaves behind, as conmon would) in a private
# mount namespace; then it moves itself into CG, and at exit deletes the OCI containers left.
runtime_oci_test_setup() {
        if [ -z "${BERTH_RUNTIME_TEST_INNER:-}" ]; then
                require_root
                export BERTH_RUNTIME_TEST_INNER=1
                exec unshare -m -fp --mount-proc --propagation private bash "$0"
        fi
        runtime_test_setup "$1"
        RUNTIME_CLEANUP+=(runtime_oci_test_cleanup)
        echo $$ >"$CG/cgroup.procs"
}

runtime_oci_test_cleanup() {
        local d
        for d in "$BERTH_RUN_DIR"/oci/*; do [ -d "$d" ] && "$RT" delete --force "${d##*/}" >/dev/null 2>&1; done
        echo $$ >"$CG_MOUNT/cgroup.procs" 2>/dev/null
}

# rt ARGS...: runs berth-runtime supervise ARGS in a fresh sub-cgroup of ours, like a unit's cgroup;
# prints its output and returns its status; says so when the runtime left its cgroup behind.
rt() {
        CASE=$((CASE + 1))
        local cg=$CG/case$CASE rc
        mkdir "$cg"
        (echo "$BASHPID" >"$cg/cgroup.procs" && exec unshare -m --propagation "${RT_PROPAGATION:-private}" "$RT" supervise "$@")
        rc=$?
        rmdir "$cg" 2>/dev/null || echo "cgroup $cg was not cleaned up" >&2
        return $rc
}

# bg ARGS...: the same in the background, output in $T/bg-N.log, the supervisor's pid in BG_PIDS.
bg() {
        CASE=$((CASE + 1))
        local cg=$CG/case$CASE
        mkdir "$cg"
        (echo "$BASHPID" >"$cg/cgroup.procs" && exec unshare -m --propagation "${RT_PROPAGATION:-private}" "$RT" supervise "$@") \
                >"$T/bg-$CASE.log" 2>&1 &
        BG_PIDS+=($!)
}

# in_ctr [OPTIONS...] SCRIPT: runs sh -c SCRIPT in a container of ROOTFS.
in_ctr() {
        local script=${*: -1}
        rt --rootfs="$ROOTFS" "${@:1:$#-1}" sh -c "$script"
}

# status_is N ARGS...: the runtime exits with N.
status_is() {
        local want=$1 rc
        shift
        rt "$@" >/dev/null 2>&1 && rc=0 || rc=$?
        [ "$rc" -eq "$want" ] || { echo "exit status $rc, expected $want"; return 1; }
}
