#!/bin/bash
# berth-runtime under a real systemd (the nspawn harness): .container files in /etc/berth become
# units through berth-generator, and systemd starts, tracks, notifies and stops the containers
# through berth-runtime supervise in Delegate=yes units.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
require_root
command -v systemd-nspawn >/dev/null || skip_all "systemd-nspawn is missing (package systemd-container)"

nspawn_prepare
mkdir -p "$NSPAWN_DIR/etc-berth" "$NSPAWN_DIR/storage"
make_busybox_tar "$NSPAWN_DIR/busybox.tar"
BERTH_STORAGE_DIR=$NSPAWN_DIR/storage "$BERTH_BUILD/berth" image import "$NSPAWN_DIR/busybox.tar" localhost/busybox \
        >"$NSPAWN_DIR/import.log" 2>&1 || skip_all "berth image import does not work in this build"
cat >"$NSPAWN_DIR/etc-berth/hello.container" <<'EOF'
[Container]
Image=localhost/busybox
Exec=echo hello from berth
EOF
cat >"$NSPAWN_DIR/etc-berth/sleeper.container" <<'EOF'
[Container]
Image=localhost/busybox
Exec=sleep 1000
StopTimeout=2
HealthCmd=true
HealthInterval=1s
Notify=healthy
EOF
cat >"$NSPAWN_DIR/etc-berth/failing.container" <<'EOF'
[Container]
Image=localhost/busybox
Exec=sh -c 'exit 7'
EOF
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth
NSPAWN_STORAGE=$NSPAWN_DIR/storage

nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

in_sd() { nspawn_run_timeout 60 "$@"; }
check "hello.service was generated" in_sd systemctl cat hello.service
check "start hello.service (Type=notify, runs to completion)" in_sd systemctl start hello.service
journal_has() { nspawn_journal -u "$1" | grep -q "$2"; }
check "its output is in the journal" wait_until 10 journal_has hello.service "hello from berth"
# start returns at READY=1, right after the payload was executed; the rest comes a moment later.
unit_is() { [ "$(in_sd systemctl is-active "$1")" = "$2" ]; }
check "it ended successfully" wait_until 10 unit_is hello.service inactive
check "the runtime cleaned up after it" in_sd sh -c \
        'test ! -e /run/berth/containers/hello && test ! -e /var/lib/berth/containers/hello'
check_output "systemd saw a clean exit" "ExecMainStatus=0" in_sd systemctl show -p ExecMainStatus hello.service

check "start sleeper.service (Notify=healthy: ready once the health check passed)" in_sd systemctl start sleeper.service
check_output "it is active" "active" in_sd systemctl is-active sleeper.service
check_output "the unit's status says healthy" "Container healthy" in_sd systemctl show -p StatusText sleeper.service
check_output "state.json names the unit" '"unit": "sleeper.service"' in_sd cat /run/berth/containers/sleeper/state.json
check_output "the runtime is the unit's main process" "$(in_sd systemctl show -p MainPID --value sleeper.service)" \
        in_sd sh -c "grep -o '\"supervisor_pid\": [0-9]*' /run/berth/containers/sleeper/state.json"
check_output "the container runs in the unit's payload cgroup" "/system.slice/sleeper.service/payload" \
        in_sd sh -c 'cat /proc/$(sed -n "s/.*\"pid\": \([0-9]*\).*/\1/p" /run/berth/containers/sleeper/state.json)/cgroup'
check_output "exec reaches it" "sleeper" in_sd /usr/local/libexec/berth/berth-runtime exec sleeper hostname
start=$SECONDS
check "systemctl stop sleeper.service" in_sd systemctl stop sleeper.service
check "it stopped through the runtime's stop timeout, before systemd's" test $((SECONDS - start)) -lt 10
check_output "the runtime cleaned up after it" "clean" in_sd sh -c \
        'test ! -e /run/berth/containers/sleeper && test ! -e /sys/fs/cgroup/unified/system.slice/sleeper.service/payload && echo clean'

in_sd systemctl start failing.service >/dev/null 2>&1
main_status_is() { [ "$(in_sd systemctl show -p ExecMainStatus --value failing.service)" = "$1" ]; }
check "a container's exit status reaches systemd" wait_until 10 main_status_is 7

done_testing
