# A real systemd for integration tests: boots the host's own OS read-only with systemd-nspawn
# (--volatile=yes: / is a tmpfs, /usr is the host's, read-only) on a private network, with the
# freshly built berth installed into /usr/local inside. Source it after tests/lib/tap.sh.
#
#   nspawn_prepare                 skips the test unless root with systemd-nspawn and a build;
#                                  makes $NSPAWN_DIR (a temp dir removed at teardown) and installs
#                                  the teardown trap; call it first if the test needs scratch dirs
#                                  that must exist before boot (put them under $NSPAWN_DIR)
#   nspawn_import_image NAME [DIR] a TAP check: imports DIR (default: a busybox root file system)
#                                  as image NAME into $NSPAWN_DIR/storage and makes that the
#                                  container's store (NSPAWN_STORAGE)
#   nspawn_boot [nspawn args...]   installs $BERTH_BUILD into $NSPAWN_DIR/root, boots, and returns
#                                  once `systemctl is-system-running --wait` answered inside.
#                                  Must run in the test's main shell, not in $(...) or a pipe.
#   nspawn_run CMD...              runs CMD inside (all namespaces of the container's PID 1) with
#                                  a clean environment; stdout, stderr and exit status pass through
#   nspawn_run_timeout SECS CMD... the same with a deadline (exit status 124 when it hit)
#   nspawn_journal [journalctl args...]   the container's journal, e.g. nspawn_journal -u hello
#   nspawn_stop                    powers off (deadline), then kills, and removes $NSPAWN_DIR.
#                                  Runs by itself on EXIT, INT and TERM; prints the last 200 lines
#                                  of the journal first when a TAP check failed. A test that
#                                  needs its own EXIT trap must call nspawn_stop from it.
#
# Inputs (environment):
#   BERTH_BUILD          the build tree to install (tap.sh: build/, run-tests.sh: build/asan).
#                        It is installed as built ("make -o all install"), never rebuilt here, so
#                        the tests exercise exactly the binaries the other tests use. The ASan
#                        binaries find libasan in the host's /usr, which the container shares.
#   NSPAWN_ETC_BERTH     a host dir bound read-only at /etc/berth
#   NSPAWN_STORAGE       a host dir bound read-write at /var/lib/berth/storage
#   NSPAWN_BOOT_TIMEOUT  seconds to wait for boot (default 60)
# Outputs: NSPAWN_LEADER (the container's PID 1, as a host pid), NSPAWN_MACHINE, NSPAWN_BOOT_MS.
#
# Nothing stays behind: nspawn mounts only in its own mount namespace, --private-network makes no
# veth, the container's processes die with its PID namespace, and the temp dir is removed.

# Units that fail or hang on a first boot of this host's /usr in a container. wait-online adds two
# minutes on a private network, firstboot wants a tty, nftables would load the host's ruleset, and
# the registry/docker units have no business in a test container. Neither do the peers installed
# for benchmarks (podman, CNI) or a database server: on a first boot presets enable them all, and
# they cost about a fifth of the boot time on 2 cores.
NSPAWN_MASKS=(
        systemd-networkd-wait-online.service
        systemd-firstboot.service
        nftables.service
        docker-registry.service
        docker.socket
        docker.service
        podman.service
        podman.socket
        podman-restart.service
        podman-auto-update.service
        podman-auto-update.timer
        cni-dhcp.service
        cni-dhcp.socket
        postgresql.service
)

NSPAWN_DIR=
NSPAWN_PID=
NSPAWN_LEADER=
NSPAWN_MACHINE=
NSPAWN_BOOT_MS=
NSPAWN_CGROUPS=()
NSPAWN_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

nspawn_prepare() {
        [ -n "$NSPAWN_DIR" ] && return 0
        require_root
        command -v systemd-nspawn >/dev/null || skip_all "systemd-nspawn is missing (package systemd-container)"
        [ -x "${BERTH_BUILD:-$NSPAWN_TOP/build}/berth" ] || skip_all "${BERTH_BUILD:-$NSPAWN_TOP/build}/berth is not built"
        NSPAWN_DIR=$(mktemp -d /tmp/berth-nspawn.XXXXXX) || return 1
        trap nspawn_stop EXIT
        trap 'nspawn_stop; trap - INT; kill -INT $$' INT
        trap 'nspawn_stop; trap - TERM; kill -TERM $$' TERM
}

nspawn_import_image() {
        NSPAWN_STORAGE=$NSPAWN_DIR/storage # here: check runs what it checks in a subshell
        mkdir -p "$NSPAWN_STORAGE"
        check "import image $1 into the container's store" _nspawn_import_image "$@"
}
_nspawn_import_image() {
        local tar=$NSPAWN_DIR/image-$RANDOM.tar
        if [ -n "${2:-}" ]; then
                tar -C "$2" --numeric-owner -cf "$tar" . || return 1
        else
                make_busybox_tar "$tar" || return 1
        fi
        BERTH_STORAGE_DIR=$NSPAWN_STORAGE "${BERTH_BUILD:-$NSPAWN_TOP/build}/berth" image import "$tar" "$1"
}

# Installs the build tree named by BERTH_BUILD into $NSPAWN_DIR/root.
nspawn_install() {
        local build=${BERTH_BUILD:-$NSPAWN_TOP/build} log=$NSPAWN_DIR/install.log
        case $build in
        "$NSPAWN_TOP"/*) build=${build#"$NSPAWN_TOP"/} ;;
        esac
        if ! make -C "$NSPAWN_TOP" --no-print-directory O="$build" -o all install \
                DESTDIR="$NSPAWN_DIR/root" >"$log" 2>&1; then
                diag "nspawn: 'make O=$build install' failed (is $build built?):"
                sed 's/^/#   /' "$log" | tail -20
                return 1
        fi
}

nspawn_leader_of() { # nspawn pid: the container's PID 1 is the nspawn process's child
        local pid
        pid=$(pgrep -P "$1" | head -n1)
        [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] && echo "$pid"
}

nspawn_alive() {
        [ -n "$NSPAWN_PID" ] && [ -d "/proc/$NSPAWN_PID" ] &&
                [ "$(awk '{print $3}' "/proc/$NSPAWN_PID/stat" 2>/dev/null)" != Z ]
}

# nspawn runs the container in its own cgroup's payload/ subgroup (with --keep-unit). Left in the
# test's cgroup, two containers would share one payload/ and the dirs would outlive them.
nspawn_make_cgroups() {
        local cg v2 v1
        v2=$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup)
        v1=$(awk -F: '$2 == "name=systemd" { print $3 }' /proc/self/cgroup)
        NSPAWN_CGROUPS=()
        if [ -e /sys/fs/cgroup/unified/cgroup.procs ]; then # hybrid: both trees systemd uses
                NSPAWN_CGROUPS=("/sys/fs/cgroup/unified${v2%/}/$NSPAWN_MACHINE"
                        "/sys/fs/cgroup/systemd${v1%/}/$NSPAWN_MACHINE")
        elif [ -e /sys/fs/cgroup/cgroup.controllers ]; then # unified
                NSPAWN_CGROUPS=("/sys/fs/cgroup${v2%/}/$NSPAWN_MACHINE")
        fi
        for cg in "${NSPAWN_CGROUPS[@]}"; do
                if ! mkdir "$cg"; then
                        diag "nspawn: cannot create the cgroup $cg"
                        return 1
                fi
        done
}

nspawn_remove_cgroups() {
        local cg
        for cg in "${NSPAWN_CGROUPS[@]}"; do
                [ -d "$cg" ] || continue
                find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null ||
                        diag "nspawn: cgroup $cg is not empty after teardown: $(find "$cg" -name cgroup.procs -exec cat {} + | tr '\n' ' ')"
        done
        NSPAWN_CGROUPS=()
}

nspawn_boot() {
        local args=() mask state deadline start
        if ! command -v systemd-nspawn >/dev/null; then
                diag "nspawn: systemd-nspawn is missing (package systemd-container)"
                return 1
        fi
        nspawn_prepare || return 1
        nspawn_install || return 1
        NSPAWN_MACHINE=berth-test-$$-$RANDOM

        args=(--quiet --register=no --keep-unit -D / --volatile=yes --boot -M "$NSPAWN_MACHINE"
                --console=pipe --private-network
                --bind-ro="$NSPAWN_DIR/root/usr/local:/usr/local"
                # dbus-daemon reads system policy only from /usr/share and /etc: an overlay with a
                # throwaway upper layer makes the read-only /usr/share dir writable for one file.
                --overlay=/usr/share/dbus-1/system.d::/usr/share/dbus-1/system.d)
        local f
        for f in "$NSPAWN_DIR"/root/usr/share/dbus-1/system.d/*.conf; do
                [ -e "$f" ] && args+=(--bind-ro="$f:/usr/share/dbus-1/system.d/${f##*/}")
        done
        # polkitd, likewise, reads actions only from /usr/share/polkit-1/actions.
        if [ -d /usr/share/polkit-1/actions ]; then
                args+=(--overlay=/usr/share/polkit-1/actions::/usr/share/polkit-1/actions)
                for f in "$NSPAWN_DIR"/root/usr/share/polkit-1/actions/*.policy; do
                        [ -e "$f" ] && args+=(--bind-ro="$f:/usr/share/polkit-1/actions/${f##*/}")
                done
        fi
        [ -n "${NSPAWN_ETC_BERTH:-}" ] && args+=(--bind-ro="$NSPAWN_ETC_BERTH:/etc/berth")
        [ -n "${NSPAWN_STORAGE:-}" ] && args+=(--bind="$NSPAWN_STORAGE:/var/lib/berth/storage")
        args+=("$@")
        for mask in "${NSPAWN_MASKS[@]}"; do
                args+=("systemd.mask=$mask")
        done

        nspawn_make_cgroups || return 1
        start=$(date +%s%N)
        # The subshell moves itself into the container's own cgroups and execs nspawn, so $! is
        # nspawn itself (not a parent of it) and nspawn's payload/ and supervisor/ cgroups are
        # made under a dir of this container alone, which teardown removes.
        (
                for cg in "${NSPAWN_CGROUPS[@]}"; do
                        echo "$BASHPID" >"$cg/cgroup.procs" || exit 1
                done
                exec systemd-nspawn "${args[@]}"
        ) </dev/null >"$NSPAWN_DIR/console.log" 2>&1 &
        NSPAWN_PID=$!

        deadline=$((SECONDS + ${NSPAWN_BOOT_TIMEOUT:-60}))
        until NSPAWN_LEADER=$(nspawn_leader_of "$NSPAWN_PID"); do
                if ! nspawn_alive || [ "$SECONDS" -ge "$deadline" ]; then
                        diag "nspawn: the container did not start:"
                        sed 's/^/#   /' "$NSPAWN_DIR/console.log" | tail -20
                        return 1
                fi
                sleep 0.02
        done
        # Early on, systemctl cannot reach PID 1 yet and returns at once; later --wait blocks until
        # the boot finished. Loop until it reports a settled state.
        while :; do
                state=$(nspawn_run_timeout $((deadline - SECONDS > 0 ? deadline - SECONDS : 1)) \
                        systemctl is-system-running --wait 2>/dev/null)
                case $state in
                running | degraded | maintenance) break ;;
                esac
                if ! nspawn_alive || [ "$SECONDS" -ge "$deadline" ]; then
                        diag "nspawn: the container's systemd did not finish booting (state '$state')"
                        sed 's/^/#   /' "$NSPAWN_DIR/console.log" | tail -20
                        return 1
                fi
                sleep 0.02
        done
        NSPAWN_BOOT_MS=$((($(date +%s%N) - start) / 1000000))
        diag "nspawn: booted $NSPAWN_MACHINE (leader $NSPAWN_LEADER) in $NSPAWN_BOOT_MS ms, state $state"
}

# The command prefix that enters the container: all namespaces and the root of its PID 1, and a
# clean environment, so the test's BERTH_* overrides do not leak inside.
nspawn_enter_cmd() {
        NSPAWN_ENTER=(nsenter -t "$NSPAWN_LEADER" -a
                env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
                SYSTEMD_PAGER= SYSTEMD_COLORS=0 TERM=dumb LANG=C.UTF-8)
        [ -n "${ASAN_OPTIONS:-}" ] && NSPAWN_ENTER+=("ASAN_OPTIONS=$ASAN_OPTIONS")
        [ -n "${UBSAN_OPTIONS:-}" ] && NSPAWN_ENTER+=("UBSAN_OPTIONS=$UBSAN_OPTIONS")
        return 0
}

nspawn_run() {
        local NSPAWN_ENTER
        if [ -z "$NSPAWN_LEADER" ]; then
                echo "nspawn_run: no container is running" >&2
                return 1
        fi
        nspawn_enter_cmd
        "${NSPAWN_ENTER[@]}" "$@"
}

# nspawn_run_timeout SECONDS CMD...: nspawn_run with a deadline (exit status 124 when it hit).
nspawn_run_timeout() {
        local t=$1 NSPAWN_ENTER
        shift
        [ -n "$NSPAWN_LEADER" ] || return 1
        nspawn_enter_cmd
        timeout --foreground -k 2 "$t" "${NSPAWN_ENTER[@]}" "$@"
}

nspawn_journal() {
        nspawn_run journalctl --no-pager -q "$@"
}

# Waits up to $1 seconds for nspawn to exit.
nspawn_wait_exit() {
        local deadline=$((SECONDS + $1))
        while nspawn_alive && [ "$SECONDS" -lt "$deadline" ]; do
                sleep 0.05
        done
        ! nspawn_alive
}

# SIGKILLs every process in the container's cgroups but nspawn itself. Killing the container's
# PID 1 ends its PID namespace; nspawn, still alive, reaps it. (The host's PID 1 reaps nothing, so
# killing nspawn first would leave the container's processes behind as orphans and zombies.)
nspawn_kill_payload() {
        local pid
        [ ${#NSPAWN_CGROUPS[@]} -gt 0 ] || return 0
        for pid in $(find "${NSPAWN_CGROUPS[0]}" -name cgroup.procs -exec cat {} + 2>/dev/null); do
                [ "$pid" = "$NSPAWN_PID" ] || kill -KILL "$pid" 2>/dev/null
        done
}

nspawn_stop() {
        local rc=$?
        if [ -n "$NSPAWN_PID" ]; then
                [ -n "$NSPAWN_LEADER" ] || NSPAWN_LEADER=$(nspawn_leader_of "$NSPAWN_PID")
                if [ "${TAP_FAILED:-0}" -gt 0 ] && [ -n "$NSPAWN_LEADER" ] && nspawn_alive; then
                        diag "nspawn: a check failed; the container's journal (last 200 lines):"
                        nspawn_run_timeout 10 journalctl --no-pager -q -n 200 -o short-monotonic 2>&1 |
                                sed 's/^/#   /'
                fi
                if [ -n "$NSPAWN_LEADER" ] && nspawn_alive &&
                        nspawn_run_timeout 5 systemctl poweroff --no-block >/dev/null 2>&1; then
                        nspawn_wait_exit 15 || diag "nspawn: no clean poweroff within 15 s, killing the container"
                fi
                if nspawn_alive; then
                        nspawn_kill_payload
                        nspawn_wait_exit 5 || kill -KILL "$NSPAWN_PID" 2>/dev/null
                fi
                wait "$NSPAWN_PID" 2>/dev/null
                nspawn_kill_payload # normally none is left; this is for a nspawn that had to be killed
                NSPAWN_PID= NSPAWN_LEADER=
        fi
        nspawn_remove_cgroups
        if [ -n "$NSPAWN_DIR" ]; then
                rm -rf "$NSPAWN_DIR"
                NSPAWN_DIR=
        fi
        return $rc
}
