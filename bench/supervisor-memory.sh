#!/bin/bash
# Resident memory of the process that supervises one running `sleep` container, in each configuration
# of the unit face (plain, --notify=true, a health check, a health check with --notify=healthy, a tty),
# beside conmon's under podman (plain and -t). For berth the process is the unit's main process, the
# one systemd would run (`berth-runtime supervise` in a cgroup of its own, standing in for the
# Delegate=yes unit); once the container runs it is berth-runtime-monitor. The same configurations
# with BERTH_RUNTIME_NO_MONITOR=1 show what berth-runtime itself would hold instead.
#
# Figures: Rss and Pss of /proc/PID/smaps_rollup, after the container ran for a moment (with a health
# check: after it became healthy, so checks have run).
set -eEuo pipefail
source "$(dirname "$0")/lib.sh"
source "$BENCH_TOP/tests/lib/fixtures.sh"
RT=$(cd "$BERTH_BUILD" && pwd)/berth-runtime
[ "$(id -u)" = 0 ] || { echo "supervisor-memory.sh: needs root"; exit 1; }

if [ -z "${BERTH_BENCH_INNER:-}" ]; then
        export BERTH_BENCH_INNER=1
        exec unshare -m --propagation private bash "$0" "$@"
fi

work=$(mktemp -d /tmp/berth-bench-supervisor.XXXXXX)
cg_mount=$(findmnt -n -t cgroup2 -o TARGET | head -1)
cg=$cg_mount/berth-bench-supervisor.$$
sup=""
cleanup() {
        set +e # everything here is best effort
        [ -n "$sup" ] && { kill -KILL "$sup"; wait "$sup"; } 2>/dev/null
        if [ -d "$cg" ]; then
                for d in $(find "$cg" -mindepth 1 -type d | sort -r); do echo 1 >"$d/cgroup.kill"; done 2>/dev/null
                sleep 0.2
                find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
        fi
        findmnt -rn -o TARGET | grep "^$work/" | sort -r | xargs -r umount -l 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT
export BERTH_RUN_DIR=$work/berth-run BERTH_STATE_DIR=$work/berth-state
unset NOTIFY_SOCKET
mkdir "$cg"
make_busybox_rootfs "$work/rootfs"

# mem PID: "RSS kB | PSS kB" from smaps_rollup
mem() { awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} END {printf "%d | %d", r, p}' "/proc/$1/smaps_rollup"; }
health_is() { grep -q "\"health\": \"$1\"" "$BERTH_RUN_DIR/containers/bench/state.json" 2>/dev/null; }

# The payload's terminal, as `berth run -t` gives it: a pty whose slave is the supervisor's stdio, its
# master read by this helper (berth's CLI in real use).
cat >"$work/on-pty.py" <<'EOF'
import os, pty, sys
master, slave = pty.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.execvp(sys.argv[1], sys.argv[1:])
os.close(slave)
print(pid, flush=True)
try:
    while os.read(master, 4096):
        pass
except OSError:
    pass
os.waitpid(pid, 0)
EOF

# run LABEL [ENV=VALUE...] -- SUPERVISE-OPTIONS...: one container, its supervisor measured.
run() {
        local label=$1 env=() tty=0 want_health="" exe
        shift
        while [ "$1" != -- ]; do
                case $1 in
                tty) tty=1 ;;
                healthy) want_health=healthy ;;
                *) env+=("$1") ;;
                esac
                shift
        done
        shift
        mkdir "$cg/sup"
        if [ $tty = 1 ]; then
                (echo $BASHPID >"$cg/sup/cgroup.procs" && exec env "${env[@]}" python3 "$work/on-pty.py" \
                        "$RT" supervise --name=bench --rootfs="$work/rootfs" --stop-timeout=1 "$@" sleep 1000) >"$work/pty.out" 2>&1 &
                for _ in $(seq 100); do [ -s "$work/pty.out" ] && break; sleep 0.05; done
                sup=$(head -1 "$work/pty.out")
        else
                (echo $BASHPID >"$cg/sup/cgroup.procs" && exec env "${env[@]}" "$RT" supervise --name=bench \
                        --rootfs="$work/rootfs" --stop-timeout=1 "$@" sleep 1000) >"$work/sup.log" 2>&1 &
                sup=$!
        fi
        for _ in $(seq 200); do [ -e "$BERTH_RUN_DIR/containers/bench/state.json" ] && break; sleep 0.05; done
        [ -z "$want_health" ] || for _ in $(seq 200); do health_is "$want_health" && break; sleep 0.05; done
        [ -z "$want_health" ] || health_is "$want_health" || label="$label (never $want_health!)"
        sleep 0.5
        exe=$(readlink "/proc/$sup/exe")
        echo "| $label | ${exe##*/} | $(mem "$sup") |"
        kill -TERM "$sup"
        for _ in $(seq 200); do [ -e "/proc/$sup" ] || break; sleep 0.05; done
        wait 2>/dev/null || true
        sup=""
        find "$cg/sup" -depth -type d -exec rmdir {} + 2>/dev/null || true
}

echo "## Resident memory of the process supervising one running \`sleep\` container"
echo
echo "| configuration | resident program | RSS kB | PSS kB |"
echo "|---|---|---|---|"
health=(--health-cmd=true --health-interval=1s)
for mode in monitor no-monitor; do
        e=()
        suffix=""
        [ $mode = no-monitor ] && { e=(BERTH_RUNTIME_NO_MONITOR=1); suffix=", BERTH_RUNTIME_NO_MONITOR=1"; }
        run "plain$suffix" "${e[@]}" --
        run "--notify=true$suffix" "${e[@]}" -- --notify=true
        run "health check$suffix" "${e[@]}" healthy -- "${health[@]}"
        run "health check, --notify=healthy$suffix" "${e[@]}" healthy -- "${health[@]}" --notify=healthy
        run "tty$suffix" "${e[@]}" tty --
done

# conmon, under podman with its own storage in $work.
if command -v podman >/dev/null && command -v conmon >/dev/null; then
        cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
        P=(env CONTAINERS_CONF="$work/containers.conf" podman --root "$work/proot" --runroot "$work/prunroot"
                --tmpdir "$work/ptmp" --storage-driver overlay --runtime runc)
        make_busybox_tar "$work/bb.tar"
        "${P[@]}" import -q "$work/bb.tar" localhost/bbox >/dev/null
        version=$(conmon --version | head -1 | awk '{print $3}')
        for t in "" -t; do
                "${P[@]}" run -d $t --name bench-sleep --network=none localhost/bbox sleep 1000 >/dev/null
                sleep 0.5
                conmon_pid=$("${P[@]}" inspect -f '{{.State.ConmonPid}}' bench-sleep)
                echo "| podman run -d ${t:+-t }(runc) | conmon $version | $(mem "$conmon_pid") |"
                "${P[@]}" rm -f -t 0 bench-sleep >/dev/null
        done
        "${P[@]}" rmi -a -f >/dev/null 2>&1
        umount -R "$work/proot/overlay" "$work/prunroot/overlay" 2>/dev/null || true
        for d in /sys/fs/cgroup/*/libpod_parent; do
                find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$d" 2>/dev/null
        done
fi
echo
