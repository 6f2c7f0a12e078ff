#!/bin/bash
# The first vertical slice, end to end under a real systemd: definition files in /etc/berth, an
# image imported into the store beforehand, berth-generator turning the files into units at boot,
# and berth-runtime running each container in a sub-cgroup of its unit.
#   hello.container  Exec=echo ...  starts at boot and its line lands in the unit's journal
#   false.container  Exec=false     the unit ends up failed
#   sleep.container  Exec=sleep     runs; `systemctl stop` finishes within StopTimeout and leaves
#                                   no process, cgroup, overlay mount or state behind
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

STOP_TIMEOUT=2
nspawn_prepare
ETC=$NSPAWN_DIR/etc-berth
mkdir -p "$ETC"
container_file() { # NAME EXEC [EXTRA LINE]
        printf '[Unit]\nDescription=berth test %s\n\n[Container]\nImage=localhost/busybox\nExec=%s\n%s\n\n[Install]\nWantedBy=multi-user.target\n' \
                "$1" "$2" "${3:-}" >"$ETC/$1.container"
}
container_file hello "echo hello from berth"
container_file false "false"
container_file sleep "sleep 1000" "StopTimeout=$STOP_TIMEOUT"

nspawn_import_image localhost/busybox

NSPAWN_ETC_BERTH=$ETC
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

unit_prop() { nspawn_run systemctl show -P "$2" "$1.service"; }
unit_state_is() { [ "$(nspawn_run systemctl is-active "$1.service")" = "$2" ]; }
journal_has() { nspawn_journal -u "$1.service" -o cat | grep -qF -- "$2"; }

# --- generation ---
check_output "the generator wrote hello.service" "berth-runtime supervise" nspawn_run systemctl cat hello.service
check_output "... from /etc/berth/hello.container" "SourcePath=/etc/berth/hello.container" \
        nspawn_run systemctl cat hello.service
check_output "... and linked it into multi-user.target" "hello.service" \
        nspawn_run ls /run/systemd/generator/multi-user.target.wants

# --- hello: started at boot, output in the journal ---
check "hello's output reaches the journal" wait_until 30 journal_has hello "hello from berth"
check "hello.service ran to completion" wait_until 30 unit_state_is hello inactive
check_output "... successfully" "success" unit_prop hello Result
check_output "... with the payload's exit status 0" "0" unit_prop hello ExecMainStatus

# --- false: the payload's failure is the unit's failure ---
check "false.service fails" wait_until 30 unit_state_is false failed
check_output "... with exit status 1" "1" unit_prop false ExecMainStatus

# --- sleep: runs in a sub-cgroup of its unit, stops cleanly ---
check "sleep.service becomes active" wait_until 30 unit_state_is sleep active
unit_cg=$(unit_prop sleep ControlGroup)
payload_pids() { nspawn_run cat "/sys/fs/cgroup/unified$unit_cg/payload/cgroup.procs" 2>/dev/null; }
payload_running() { [ -n "$(payload_pids)" ]; }
check "the payload's cgroup has a process" wait_until 10 payload_running
payload=$(payload_pids | head -n1)
diag "unit cgroup $unit_cg, payload pid ${payload:-none} (as seen inside the nspawn container)"
check_output "the payload is sleep" "sleep" nspawn_run cat "/proc/${payload:-0}/comm"
check_output "the payload runs in a sub-cgroup of the unit's cgroup" "0::$unit_cg/payload" \
        nspawn_run cat "/proc/${payload:-0}/cgroup"
main_pid=$(unit_prop sleep MainPID)
check "the unit's main process (the runtime) is not in the payload cgroup" \
        bash -c '! grep -qx "0::$1/payload" <<<"$2"' _ "$unit_cg" "$(nspawn_run cat "/proc/$main_pid/cgroup")"
check "the payload has a root of its own (an overlay)" \
        bash -c '[ "$1" = overlay ]' _ "$(nspawn_run findmnt -N "${payload:-0}" -n -o FSTYPE /)"

start=$(date +%s%N)
check "systemctl stop sleep.service succeeds" nspawn_run_timeout 30 systemctl stop sleep.service
stop_ms=$((($(date +%s%N) - start) / 1000000))
diag "stop took $stop_ms ms (StopTimeout=$STOP_TIMEOUT s); state afterwards: $(nspawn_run systemctl is-active sleep.service), result $(unit_prop sleep Result), status $(unit_prop sleep ExecMainStatus)"
check "the stop finished within the stop timeout (+1 s)" test "$stop_ms" -le $(((STOP_TIMEOUT + 1) * 1000))
check "the unit is inactive, not failed: a requested stop is a clean stop" \
        bash -c '[ "$1" = inactive ]' _ "$(nspawn_run systemctl is-active sleep.service)"
check "the payload process is gone" nspawn_run test ! -e "/proc/${payload:-0}"
check "no cgroup is left under the unit" nspawn_run test ! -e "/sys/fs/cgroup/unified$unit_cg"
no_overlays() { ! nspawn_run sh -c 'cat /proc/[0-9]*/mountinfo 2>/dev/null' | grep -q 'lowerdir=/var/lib/berth'; }
check "no overlay of the image is mounted anywhere in the container" no_overlays
check "no berth-runtime process is left" bash -c '! grep -qx berth-runtime <<<"$1"' _ \
        "$(nspawn_run sh -c 'cat /proc/[0-9]*/comm 2>/dev/null')"
check "the runtime's state for sleep is gone" nspawn_run test ! -e /run/berth/containers/sleep

done_testing
