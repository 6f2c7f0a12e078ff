#!/bin/bash
# org.berth1's Exec and following logs, under a real systemd, dbus-daemon and polkitd (nspawn), with
# a python3-dbus client: Exec's pipes carry input and output and its status comes from ExecWait, a
# pty with tty=true is the command's terminal, a caller other than the starter cannot wait for it,
# an unprivileged user must authenticate; ContainerLogsWithFlags(follow) streams new lines, ends
# when the container ends, and a reader that leaves early stops berthd's writer. On busybox and on a
# glibc root made of the host's programs (tests/lib/real-image.sh).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/real-image.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
require_root
[ -e /usr/share/polkit-1/actions ] || skip_all "polkitd is not installed (tests/packages.txt)"
(cd / && /usr/bin/python3 -c 'import dbus.mainloop.glib') 2>/dev/null || skip_all "python3-dbus is not installed (tests/packages.txt)"

M=(org.berth1 /org/berth1 org.berth1.Manager)
as_nobody() { nspawn_run setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
call() { nspawn_run_timeout 60 busctl call -- "${M[@]}" "$@"; }
client() { nspawn_run_timeout 60 python3 /srv/tests/integration/dbus-client.py "$@"; }

nspawn_prepare
glibc_tar=$(real_image_host_tar) || { echo "not ok 1 - a glibc image"; exit 1; }
real_image_extract "$glibc_tar" "$NSPAWN_DIR/glibc-root"
nspawn_import_image localhost/busybox
nspawn_import_image localhost/glibc "$NSPAWN_DIR/glibc-root"

nspawn_boot --bind-ro="$NSPAWN_TOP/tests:/srv/tests" && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

# --- Exec ---------------------------------------------------------------------------------------------
# The glibc root has dash, cat, true and python3, no sleep.
SLEEP_busybox=(2 sleep 1000)
SLEEP_glibc=(3 python3 -c 'import time; time.sleep(1000)')
for image in busybox glibc; do
        sleep_cmd="SLEEP_$image[@]"
        check "RunContainer $image" call RunContainer ssasasa{sv} "x-$image" "localhost/$image" "${!sleep_cmd}" 0 0
        out=$(client exec "x-$image" --input='one\ntwo\n' --env=GREETING=hi -- sh -c \
                'cat; echo "$GREETING" >&2; exit 7' 2>&1)
        check_output "$image: Exec's stdin pipe reaches the command and its stdout comes back" \
                "out 'one\\ntwo\\n'" echo "$out"
        check_output "... its stderr, with the environment given" "err 'hi\\n'" echo "$out"
        check_output "... ExecWait answers its exit status" "status 7" echo "$out"
        out=$(client exec "x-$image" --workdir=/tmp -- sh -c 'pwd; [ -t 0 ] || echo no-tty' 2>&1)
        check_output "$image: the working directory, and pipes are no terminal" "out '/tmp\\nno-tty\\n'" echo "$out"
        out=$(client exec "x-$image" -t --input='hello\n' -- sh -c \
                'read x; [ -t 0 ] && [ -t 1 ] && echo "tty-$x"; exit 3' 2>&1)
        check_output "$image: with tty, a terminal carries both ways" "tty-hello" echo "$out"
        check_output "... and the status still comes" "status 3" echo "$out"
        out=$(client exec "x-$image" -- /no/such/program 2>&1)
        check_output "$image: a missing program: status 127" "status 127" echo "$out"
        check_output "... and the runtime says why on the stderr pipe" "Failed to execute /no/such/program" echo "$out"
done
check_output "an Exec of a command that is killed: 128 + the signal" "status 137" \
        client exec x-busybox -- sh -c 'kill -9 $$'
check_output "Exec in a container that does not exist: NoSuchContainer" "No such container" \
        call Exec sasasssb nope 1 true 0 "" "" false
check_output "Exec without a command" "needs a command" call Exec sasasssb x-busybox 0 0 "" "" false
check_output "Exec with a bad environment entry" "expected NAME=VALUE" \
        call Exec sasasssb x-busybox 1 true 1 NOEQUALS "" "" false
check_output "Exec with a relative working directory" "absolute path" \
        call Exec sasasssb x-busybox 1 true 0 tmp "" false
# busctl's own call is over once it printed the fds: its exec id is nobody's to wait for now.
id=$(call Exec sasasssb x-busybox 1 true 0 "" "" false | awk '{print $2}')
check_output "ExecWait from another caller than Exec's: NoSuchExec" "No process $id started by this caller" \
        call ExecWait u "$id"
check_output "an unprivileged user must authenticate for Exec" "Authentication is required for org.berth1.manage-containers" \
        as_nobody busctl call "${M[@]}" Exec sasasssb x-busybox 1 true 0 "" "" false
bpid=$(nspawn_run systemctl show -P MainPID berthd.service)
no_runtime_left() { ! nspawn_run pgrep -P "$bpid" -f 'berth-runtime exec' >/dev/null; }
check "berthd keeps no berth-runtime exec once the commands ended" wait_until 10 no_runtime_left

# --- logs, followed -----------------------------------------------------------------------------------
check "a container that logs a line a second for 4 s" call RunContainer ssasasa{sv} ticker localhost/glibc 3 \
        python3 -c 'import time; [(print("tick-%d" % i, flush=True), time.sleep(1)) for i in range(1, 5)]' 0 0
out=$(client follow ticker 30 2>&1)
check_output "ContainerLogsWithFlags(follow) gives the lines as they come" "tick-4" echo "$out"
check_output "... and its fd ends once the container ended" "eof" echo "$out"
check "a container that logs once, then sleeps" call RunContainer ssasasa{sv} quiet localhost/busybox 3 \
        sh -c 'echo said-once; sleep 1000' 0 0
out=$(client follow quiet 2 2>&1)
check_output "a follower sees what was logged" "said-once" echo "$out"
check_output "... and may leave before the end" "left" echo "$out"
no_follower() { ! nspawn_run pgrep -P "$bpid" -f 'berth logs' >/dev/null; }
check "... berthd then stops its writer, though nothing new was written" wait_until 10 no_follower
check_output "LogsWithFlags with an unknown flag" "Unknown flags" \
        nspawn_run busctl call org.berth1 /org/berth1/container/quiet org.berth1.Container LogsWithFlags t 6
check_output "... an unprivileged user must authenticate for it" "Authentication is required" \
        as_nobody busctl call "${M[@]}" ContainerLogsWithFlags st quiet 1
call RemoveContainer sb quiet true >/dev/null
call RemoveContainer sb x-busybox true >/dev/null
call RemoveContainer sb x-glibc true >/dev/null

berthd_log_clean() { ! nspawn_journal -u berthd.service | grep -E 'runtime error|AddressSanitizer|LeakSanitizer'; }
check "berthd logged no sanitizer reports" berthd_log_clean

done_testing
