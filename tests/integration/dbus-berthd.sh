#!/bin/bash
# berthd under a real systemd and dbus-daemon: bus activation, the Manager interface, the bus
# policy (every method reachable by everyone, berthd checks what changes state; Properties.Set
# closed), and exit on idle followed by re-activation.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

M=(org.berth1 /org/berth1 org.berth1.Manager)
as_nobody() { nspawn_run setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

nspawn_prepare
nspawn_import_image localhost/busybox

nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

check "berthd is not running before the first call" test "$(nspawn_run systemctl is-active berthd.service)" != active
check_output "Ping activates berthd through the bus" 's "pong"' nspawn_run_timeout 30 busctl call "${M[@]}" Ping
check_output "berthd.service is active afterwards" "active" nspawn_run systemctl is-active berthd.service
check_output "Version property" 's "0.1"' nspawn_run busctl get-property "${M[@]}" Version
check_output "introspection lists ListImages" "ListImages" nspawn_run busctl introspect org.berth1 /org/berth1
check_output "ListImages shows the imported image" '"localhost/busybox:latest" "sha256:' \
        nspawn_run busctl call "${M[@]}" ListImages

check_output "an unprivileged user may Ping" 's "pong"' as_nobody busctl call "${M[@]}" Ping
check_output "an unprivileged user may read Version" 's "0.1"' as_nobody busctl get-property "${M[@]}" Version
check "an unprivileged user may ListImages" as_nobody busctl call "${M[@]}" ListImages
check_fails "an unprivileged user may not set properties" \
        as_nobody busctl set-property "${M[@]}" Version s evil
check_output "... and is told access is denied" "ccess denied" \
        as_nobody busctl set-property "${M[@]}" Version s evil
check_fails "an unknown method fails" nspawn_run busctl call "${M[@]}" NoSuchMethod

# Exit on idle: a drop-in shortens the timeout to 1 s.
nspawn_run mkdir -p /run/systemd/system/berthd.service.d
nspawn_run sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/local/libexec/berth/berthd --idle-timeout=1\n" \
        >/run/systemd/system/berthd.service.d/idle.conf'
nspawn_run systemctl daemon-reload
nspawn_run systemctl stop berthd.service
check_output "Ping activates berthd again" 's "pong"' nspawn_run_timeout 30 busctl call "${M[@]}" Ping
berthd_gone() { ! nspawn_run systemctl is-active --quiet berthd.service; }
check "berthd exits by itself when idle" wait_until 20 berthd_gone
check_output "... successfully" "Result=success" nspawn_run systemctl show -p Result berthd.service
check_output "... with exit status 0" "ExecMainStatus=0" nspawn_run systemctl show -p ExecMainStatus berthd.service
check_output "a call after the idle exit activates it again" 's "pong"' \
        nspawn_run_timeout 30 busctl call "${M[@]}" Ping
berthd_log_clean() { ! nspawn_journal -u berthd.service | grep -E 'ERROR|runtime error|berthd: '; }
check "berthd logged no errors or sanitizer reports" berthd_log_clean

done_testing
