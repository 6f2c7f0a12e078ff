#!/bin/bash
# The nspawn harness itself: a real systemd boots with berth installed, delegation works inside,
# and teardown leaves no process, mount, network link or temp dir behind.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
require_root
command -v systemd-nspawn >/dev/null || skip_all "systemd-nspawn is missing (package systemd-container)"

# What teardown must leave as it found it. Other tests may run at the same time, so this looks only
# at what this container could have made: nspawn's veth links (ve-*, none with a private network),
# mounts naming its temp dir, and its cgroups and processes.
veths() { ip -o link show | awk -F': ' '{print $2}' | grep -E '^(ve|vb)-' | sort; }
before_veths=$(veths)

nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }
diag "boot took ${NSPAWN_BOOT_MS:-?} ms"
check "leader is a systemd process" test "$(cat "/proc/$NSPAWN_LEADER/comm" 2>/dev/null)" = systemd
check_output "inside, PID 1 is systemd" "systemd" nspawn_run cat /proc/1/comm
state=$(nspawn_run systemctl is-system-running)
check "system state is running or degraded (is '$state')" test "$state" = running -o "$state" = degraded
[ "$state" = degraded ] && diag "failed units: $(nspawn_run systemctl --failed --no-legend --plain | tr '\n' ' ')"
check "the runtime is installed inside" nspawn_run test -x /usr/local/libexec/berth/berth-runtime
check "the generator is installed inside" \
        nspawn_run test -x /usr/local/lib/systemd/system-generators/berth-generator
check "the CLI is installed inside" nspawn_run test -x /usr/local/bin/berth
check "berthd.service is known to systemd" nspawn_run systemctl cat berthd.service
check "the D-Bus policy is visible to dbus-daemon" \
        nspawn_run test -f /usr/share/dbus-1/system.d/org.berth1.conf
check "the container has only a loopback interface" \
        test "$(nspawn_run ls /sys/class/net)" = lo
check_output "a transient unit with Delegate=yes runs" "delegated-ok" \
        nspawn_run_timeout 30 systemd-run --wait --pipe --quiet -p Delegate=yes \
        sh -c 'mkdir /sys/fs/cgroup/unified$(cut -d: -f3 /proc/self/cgroup | tail -n1)/sub && echo delegated-ok'
nspawn_run sh -c 'echo to-stderr >&2; exit 3' 2>/dev/null && rc=0 || rc=$?
check "nspawn_run passes the exit status (got $rc)" test "$rc" -eq 3
check_output "nspawn_run passes stderr" "to-stderr" nspawn_run sh -c 'echo to-stderr >&2'
host_cg=/sys/fs/cgroup/unified$(awk -F: '$1 == 0 { print $3 }' "/proc/$NSPAWN_LEADER/cgroup")
check "the container runs in a cgroup of its own on the host ($host_cg)" \
        test "${host_cg#"${NSPAWN_CGROUPS[0]}"/}" != "$host_cg"
check_output "nspawn_journal shows the boot" "Startup finished" nspawn_journal -b

dir=$NSPAWN_DIR machine=$NSPAWN_MACHINE pid=$NSPAWN_PID leader=$NSPAWN_LEADER cgroups=("${NSPAWN_CGROUPS[@]}")
check "while running, the container's cgroups exist" test -d "${cgroups[0]}" -a -d "${cgroups[1]:-${cgroups[0]}}"
nspawn_stop
check "teardown removed the temp dir" test ! -e "$dir"
check "teardown stopped nspawn" test -z "$NSPAWN_PID"
check "no nspawn process is left" test ! -e "/proc/$pid"
check "the container's init is gone" test ! -e "/proc/$leader"
check "no process of the container is left (none in a cgroup of its name)" \
        test -z "$(find /sys/fs/cgroup -path "*$machine*" -name cgroup.procs -exec cat {} + 2>/dev/null)"
check "its cgroups are removed" test ! -e "${cgroups[0]}" -a ! -e "${cgroups[1]:-${cgroups[0]}}"
check "no mount refers to its temp dir" bash -c '! grep -qF "$1" /proc/self/mountinfo' _ "$dir"
check "no nspawn veth appeared" test "$(veths)" = "$before_veths"


done_testing
