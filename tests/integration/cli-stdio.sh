#!/bin/bash
# What a process in a container gets as its standard fds from `berth exec` and a foreground
# `berth run`: pipes (or a pty with -t) that berth relays, never the caller's own fds, which it
# could reopen through /proc/PID/fd to read or overwrite the caller's files. Also: data through the
# relay arrives whole, end of input reaches the process, output is drained before berth returns,
# exit statuses and signals pass as before. On busybox and on a glibc root built from the host.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

IMAGE=localhost/busybox
GLIBC=localhost/glibc
nspawn_prepare
T=$NSPAWN_DIR

# A glibc root: the host's dash and a few coreutils with the libraries ldd names for them.
make_glibc_rootfs() {
        local dir=$1 bin lib
        mkdir -p "$dir"/{bin,etc,proc,sys,dev,tmp,root}
        chmod 1777 "$dir/tmp"
        for bin in /bin/sh /bin/cat /bin/sleep /bin/readlink /bin/sha256sum; do
                cp -L "$bin" "$dir/bin/" || return 1
                for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
                        mkdir -p "$dir$(dirname "$lib")"
                        cp -Ln "$lib" "$dir$lib" || return 1
                done
        done
        printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/etc/passwd"
        printf 'root:x:0:\n' >"$dir/etc/group"
}
make_glibc_rootfs "$T/glibc-root"
nspawn_import_image $IMAGE
nspawn_import_image $GLIBC "$T/glibc-root"
head -c 10M /dev/urandom >"$T/big"
BIG_SUM=$(sha256sum <"$T/big")
printf 'line one\nline two\n' >"$T/input"

nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
# what fds 0, 1 and 2 of the shell (or of process $1) are, on one line
FDS='p=${1:-$$}; for f in 0 1 2; do printf "%s " "$(readlink /proc/$p/fd/$f)"; done'
# the same without $, which systemd would expand on berth run's ExecStart (issue 16 item 5)
FDS_LINES='readlink /proc/self/fd/0; readlink /proc/self/fd/1; readlink /proc/self/fd/2'
is_pipe_fds() { # "IN" "readlink output": fd 0 is IN (a pattern), 1 and 2 are pipes
        [[ "$2" =~ ^$1\ pipe:\[[0-9]+\]\ pipe:\[[0-9]+\]\ $ ]] || { echo "fds: $2"; return 1; }
}

check "berth run -d web" berth run -d --name web $IMAGE sleep 1000
check "berth run -d deb (a glibc root)" berth run -d --name deb $GLIBC sleep 1000

# --- berth exec: output to a file of the caller's ---
printf 'original\n' >"$T/admin.log"
berth exec web sleep 31 >>"$T/admin.log" 2>&1 &
exec_job=$!
# the pid of `sleep 31`, seen from inside the container
find_sleeper='for p in /proc/[0-9]*; do [ "$(tr "\0" " " <$p/cmdline 2>/dev/null)" = "sleep 31 " ] && echo ${p#/proc/}; done'
sleeper_runs() { [ -n "$(berth exec web sh -c "$find_sleeper")" ]; }
check "berth exec web sleep 31 >> admin.log runs" wait_until 20 sleeper_runs
pid=$(berth exec web sh -c "$find_sleeper")
out=$(berth exec web sh -c "$FDS" sh "$pid")
check "its fds 1 and 2, seen from the container, are pipes, fd 0 /dev/null" is_pipe_fds /dev/null "$out"
berth exec web sh -c "echo written-inside >/proc/$pid/fd/1" >/dev/null 2>&1
berth exec web kill "$pid" >/dev/null 2>&1
wait "$exec_job" && rc=0 || rc=$?
check "... and berth exec returns the status of the killed process (143)" test "$rc" -eq 143
check_output "a write from inside through /proc/PID/fd/1 did not replace the caller's file" "original" \
        head -n1 "$T/admin.log"
check_output "... it went through the relay, appended" "written-inside" cat "$T/admin.log"

# --- berth exec: stdin, statuses, data through the relay ---
out=$(berth exec web sh -c "$FDS" <"$T/input")
check "without -i, berth exec's stdin is /dev/null, not the caller's file" is_pipe_fds /dev/null "$out"
out=$(berth exec -i web sh -c "$FDS; cat" <"$T/input")
check "with -i, stdin is a pipe" is_pipe_fds 'pipe:\[[0-9]+\]' "${out%%line one*}"
check_output "... fed from the caller's stdin" "line two" echo "$out"
berth exec web sh -c 'echo to-out; echo to-err >&2; exit 3' >"$T/out" 2>"$T/err" && rc=0 || rc=$?
check "berth exec with output to files returns the status (3)" test "$rc" -eq 3
check_output "... stdout reached the caller's file" "to-out" cat "$T/out"
check_output "... stderr reached the caller's file" "to-err" cat "$T/err"
check "... and stdout did not get stderr's line" bash -c '! grep -q to-err "$1"' _ "$T/out"
sum=$(berth exec -i web cat <"$T/big" | sha256sum)
check "10 MB through berth exec -i web cat arrive whole (and cat ends at end of input)" test "$sum" = "$BIG_SUM"
sum=$(berth exec -i deb cat <"$T/big" | sha256sum)
check "... the same with glibc's cat" test "$sum" = "$BIG_SUM"
out=$(berth exec -i deb sh -c "$FDS" </dev/null)
check "berth exec -i in the glibc container: pipes" is_pipe_fds 'pipe:\[[0-9]+\]' "$out"
out=$(berth exec deb sh -c "$FDS" <"$T/input")
check "... and /dev/null without -i" is_pipe_fds /dev/null "$out"
out=$(berth exec deb sh -c 'cat /bin/sha256sum; exit 4' | sha256sum)
check "output written just before exit is drained before berth exec returns" \
        test "$out" = "$(sha256sum <"$T/glibc-root/bin/sha256sum")"
out=$(berth exec -t web readlink /proc/self/fd/1)
check_output "with -t, the process has a pty" "/dev/pts/" echo "$out"
# SIGTERM to berth exec reaches the process; what it prints on the way out still arrives
berth exec web sh -c 'trap "echo got-term; exit 9" TERM; echo term-test-up; while :; do sleep 0.1; done' \
        >"$T/term.out" 2>&1 &
term_job=$!
term_up() { grep -q term-test-up "$T/term.out"; }
check "a berth exec in the foreground runs" wait_until 20 term_up
nspawn_run sh -c 'kill -TERM $(pgrep -f "exec -- web sh -c [t]rap")'
wait "$term_job" && rc=0 || rc=$?
check "SIGTERM to berth exec is forwarded; its status comes back (9)" test "$rc" -eq 9
check_output "... and the last output arrived" "got-term" cat "$T/term.out"

# --- berth run in the foreground ---
printf 'original\n' >"$T/run.log"
berth run --rm $IMAGE sh -c "$FDS_LINES; echo written-inside >/proc/self/fd/1" >>"$T/run.log" 2>"$T/err"
out=$(sed -n 2,4p "$T/run.log" | tr '\n' ' ')
check "berth run > file: the container's fds 1 and 2 are pipes, fd 0 /dev/null" is_pipe_fds /dev/null "$out"
check_output "... a write through /proc/self/fd/1 did not replace the caller's file" "original" \
        head -n1 "$T/run.log"
check_output "... it went through the relay" "written-inside" cat "$T/run.log"
out=$(berth run --rm -i $IMAGE sh -c "$FDS_LINES; cat" <"$T/input" 2>/dev/null | tr '\n' ' ')
check "berth run -i < file: stdin is a pipe" is_pipe_fds 'pipe:\[[0-9]+\]' "${out%%line one*}"
check_output "... fed from the file" "line two" echo "$out"
sum=$(berth run --rm -i $GLIBC cat <"$T/big" 2>/dev/null | sha256sum)
check "10 MB through berth run -i (glibc's cat) arrive whole" test "$sum" = "$BIG_SUM"
berth run --rm $GLIBC sh -c 'echo deb-out; echo deb-err >&2; exit 6' >"$T/out" 2>"$T/err" && rc=0 || rc=$?
check "berth run of the glibc root returns its status (6)" test "$rc" -eq 6
check_output "... with its stdout" "deb-out" cat "$T/out"
check_output "... and its stderr" "deb-err" cat "$T/err"

check "berth rm -f web" berth rm -f web
check "berth rm -f deb" berth rm -f deb
check "no berth-runtime process is left" bash -c '! grep -qx berth-runtime <<<"$1"' _ \
        "$(nspawn_run sh -c 'cat /proc/[0-9]*/comm 2>/dev/null')"

done_testing
