#!/bin/bash
# berth-runtime under a real systemd (the nspawn harness): .container files in /etc/berth become
# units through berth-generator, and systemd starts, tracks, notifies and stops the containers
# through berth-runtime supervise in Delegate=yes units.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

nspawn_prepare
mkdir -p "$NSPAWN_DIR/etc-berth"
nspawn_import_image localhost/busybox
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
# Notify=true: the payload itself says READY=1 through the proxied socket. busybox has no sd_notify
# client, so the test builds a static one (a few lines of C) into a second image.
cat >"$NSPAWN_DIR/notifier.c" <<'EOF'
/* Waits for /tmp/go (so the test sees the unit still activating), then sends STATUS and READY=1 to
 * $NOTIFY_SOCKET and sleeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(void) {
        const char *path = getenv("NOTIFY_SOCKET"), *msg = "STATUS=payload says hello\nREADY=1";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (!path || fd < 0 || strlen(path) >= sizeof sa.sun_path)
                return 1;
        strcpy(sa.sun_path, path);
        while (access("/tmp/go", F_OK) < 0)
                usleep(20000);
        if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *) &sa, sizeof sa) < 0)
                return 2;
        printf("notified %s\n", path);
        fflush(stdout);
        for (;;)
                pause();
}
EOF
make_busybox_rootfs "$NSPAWN_DIR/notifier-root"
check "build a static notifier for the payload" \
        cc -static -Os -o "$NSPAWN_DIR/notifier-root/bin/notifier" "$NSPAWN_DIR/notifier.c"
nspawn_import_image localhost/notifier "$NSPAWN_DIR/notifier-root"
cat >"$NSPAWN_DIR/etc-berth/notifier.container" <<'EOF'
[Container]
Image=localhost/notifier
Exec=/bin/notifier
Notify=true
StopTimeout=1
EOF
cat >"$NSPAWN_DIR/etc-berth/late.container" <<'EOF'
[Container]
Image=localhost/busybox
Exec=sh -c 'sleep 1; exit 7'
EOF
cat >"$NSPAWN_DIR/etc-berth/victim.container" <<'EOF'
[Container]
Image=localhost/busybox
Exec=sleep 1000
StopTimeout=1
EOF
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth

nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

in_sd() { nspawn_run_timeout 60 "$@"; }
main_exe() { in_sd sh -c "readlink /proc/\$(systemctl show -p MainPID --value $1)/exe"; }
main_rss_small() { # the unit's main process holds at most 500 kB (a quarter of conmon's 2 MB)
        local rss
        rss=$(in_sd sh -c "sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/\$(systemctl show -p MainPID --value $1)/status")
        [ -n "$rss" ] && [ "$rss" -le 500 ] || { echo "VmRSS $rss kB"; return 1; }
}
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
check_output "with a health check, the unit's main process is the small static monitor" \
        "berth-runtime-monitor" main_exe sleeper.service
check "... holding at most 500 kB" main_rss_small sleeper.service
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

# --- Notify=true: READY comes from the payload, through the proxied socket ------------------------------
in_sd systemctl start --no-block notifier.service
unit_state() { [ "$(in_sd systemctl show -p ActiveState --value "$1")" = "$2" ]; }
check "Notify=true: the unit waits for the payload's READY" wait_until 10 unit_state notifier.service activating
check "... still activating while the payload has not said it" unit_state notifier.service activating
tell_notifier() { in_sd sh -c 'pid=$(sed -n "s/.*\"pid\": \([0-9]*\).*/\1/p" \
        /run/berth/containers/notifier/state.json 2>/dev/null); [ -n "$pid" ] && touch /proc/$pid/root/tmp/go'; }
check "the payload is told to notify (once state.json names it)" wait_until 10 tell_notifier
check "Notify=true: active once the payload sent READY=1" wait_until 10 unit_state notifier.service active
check_output "the payload's STATUS= reaches systemd" "payload says hello" \
        in_sd systemctl show -p StatusText notifier.service
check_output "Notify=true: the unit's main process is the small static monitor" \
        "berth-runtime-monitor" main_exe notifier.service
check "... holding at most 500 kB" main_rss_small notifier.service
check "stop it" in_sd systemctl stop notifier.service

# --- the exit status comes through the monitor and supervise-finish ---------------------------------------
in_sd systemctl start late.service >/dev/null 2>&1
check_output "while it runs, the monitor waits for it" "berth-runtime-monitor" main_exe late.service
late_status_is() { [ "$(in_sd systemctl show -p ExecMainStatus --value late.service)" = "$1" ]; }
check "its exit status (7) reaches systemd through the monitor" wait_until 10 late_status_is 7
check_output "and the runtime cleaned up after it" "clean" in_sd sh -c \
        'test ! -e /run/berth/containers/late && test ! -e /sys/fs/cgroup/unified/system.slice/late.service/payload && echo clean'

# --- systemctl kill -s KILL: the runtime dies with its container; the next start reclaims its leftovers ---
check "start victim.service" in_sd systemctl start victim.service
victim_pid() { in_sd sh -c 'sed -n "s/.*\"pid\": \([0-9]*\).*/\1/p" /run/berth/containers/victim/state.json'; }
vpid=$(victim_pid)
check_output "once the container runs, the unit's main process is the small static monitor" \
        "berth-runtime-monitor" main_exe victim.service
check "SIGKILL to every process of the unit (runtime included)" in_sd systemctl kill -s KILL victim.service
unit_down() { ! in_sd systemctl is-active -q victim.service; }
check "the unit goes down" wait_until 10 unit_down
check "no payload process is left" wait_until 10 in_sd sh -c "! test -e /proc/$vpid"
check "no payload cgroup is left (systemd removed the unit's cgroup)" wait_until 10 in_sd sh -c \
        '! test -e /sys/fs/cgroup/unified/system.slice/victim.service/payload'
run_dir_gone() { in_sd sh -c '! test -e /run/berth/containers/victim'; }
check "ExecStopPost (berth-runtime cleanup) removed what the SIGKILLed runtime could not" wait_until 10 run_dir_gone
in_sd systemctl reset-failed victim.service >/dev/null 2>&1
check "the next start with that name works" in_sd systemctl start victim.service
new_victim() { local p; p=$(victim_pid); [ -n "$p" ] && [ "$p" != "$vpid" ]; }
check "... with a new container" wait_until 10 new_victim
check_output "... in a fresh run directory (the stale state.json was replaced)" '"status": "running"' \
        in_sd cat /run/berth/containers/victim/state.json
check "stop it" in_sd systemctl stop victim.service
check_output "everything is reclaimed afterwards" "clean" in_sd sh -c \
        'test ! -e /run/berth/containers/victim && test ! -e /var/lib/berth/containers/victim && echo clean'

done_testing
