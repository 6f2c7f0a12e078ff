#!/bin/bash
# The container verbs of the berth CLI under a real systemd: `berth run` starts a transient unit
# berth-NAME.service running berth-runtime, in the foreground (output on the caller's stdio, the
# container's exit status) or detached; ps, exec, logs, inspect, stop, kill, rm act on that unit.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

IMAGE=localhost/busybox
nspawn_prepare
mkdir -p "$NSPAWN_DIR/etc-berth"
# a generator-made container, which ps and stop must handle like a `berth run` one
printf '[Container]\nImage=%s\nExec=sleep 1000\nStopTimeout=1\n\n[Install]\nWantedBy=multi-user.target\n' \
        "$IMAGE" >"$NSPAWN_DIR/etc-berth/gen.container"
nspawn_import_image $IMAGE

NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
unit_prop() { nspawn_run systemctl show -P "$2" "$1"; }
unit_gone() { [ "$(unit_prop "$1" LoadState)" = not-found ]; }
ps_lists() { berth ps | grep -q " $1\$"; }

# --- foreground: output on our stdout, the container's exit status ---
out=$(berth run --rm $IMAGE echo hi 2>"$NSPAWN_DIR/err") && rc=0 || rc=$?
check "berth run --rm IMAGE echo hi returns 0" test "$rc" -eq 0
check "... and prints hi on our stdout" test "$out" = hi
[ "$out" = hi ] || diag "output: $out; stderr: $(cat "$NSPAWN_DIR/err")"
berth run --name three $IMAGE sh -c 'echo to-stderr >&2; exit 3' >/dev/null 2>"$NSPAWN_DIR/err" && rc=0 || rc=$?
check "berth run IMAGE sh -c 'exit 3' returns 3" test "$rc" -eq 3
check_output "... its stderr reaches our stderr" "to-stderr" cat "$NSPAWN_DIR/err"
check_output "without --rm, the failed container stays in ps -a" "Exited (3)" berth ps -a
check "berth rm forgets it" berth rm three
check "... and its unit is gone" wait_until 10 unit_gone berth-three.service
berth run --rm --name gone $IMAGE sh -c 'exit 4' >/dev/null 2>&1 && rc=0 || rc=$?
check "berth run --rm of a failing container returns its status" test "$rc" -eq 4
check "... and leaves no unit behind" wait_until 10 unit_gone berth-gone.service
out=$(echo from-stdin | berth run --rm -i $IMAGE cat 2>&1)
check_output "with -i, our stdin is the container's" "from-stdin" echo "$out"

# --- -t: a terminal ---
out=$(berth run --rm -t $IMAGE sh -c 'test -t 0 && test -t 1 && test -t 2 && echo is-a-tty; echo term=$TERM' 2>&1)
check_output "with -t, stdin, stdout and stderr are a terminal" "is-a-tty" echo "$out"
check_output "... and TERM is set" "term=xterm" echo "$out"
out=$(printf 'echo typed-$((6*7))\nexit 5\n' | berth run --rm -it $IMAGE sh 2>&1) && rc=0 || rc=$?
check_output "with -it, typed input reaches a shell in the container" "typed-42" echo "$out"
check "... and its exit status comes back" test "$rc" -eq 5

# --- Ctrl-C on a foreground container stops it ---
nspawn_run_timeout 60 berth run --name fg $IMAGE sh -c 'trap "echo got-term; exit 0" TERM; echo fg-up; while :; do sleep 0.1; done' \
        >"$NSPAWN_DIR/fg.out" 2>&1 &
fg_job=$!
fg_up() { grep -q fg-up "$NSPAWN_DIR/fg.out"; }
check "a foreground container runs" wait_until 30 fg_up
check "SIGINT to berth run" nspawn_run sh -c 'kill -INT $(pgrep -f "^berth run --name fg")'
wait "$fg_job" && rc=0 || rc=$?
check "... stops the container, and berth run returns its status (0)" test "$rc" -eq 0
check_output "... which got SIGTERM" "got-term" cat "$NSPAWN_DIR/fg.out"
check "... and its unit is gone" wait_until 10 unit_gone berth-fg.service

# --- errors ---
berth run --rm $IMAGE /no/such/command >/dev/null 2>"$NSPAWN_DIR/err" && rc=0 || rc=$?
diag "a missing command: exit status $rc, $(tr '\n' ' ' <"$NSPAWN_DIR/err")"
check "a command missing in the image fails berth run" test "$rc" -ne 0
check_output "berth run -d of a container that cannot start says so" "failed to start" \
        berth run -d --name bad $IMAGE /no/such/command
check_output "... and berth logs tells why" "/no/such/command" berth logs bad
check_output "... and ps -a lists it with status 127" "Exited (127)" berth ps -a
check_output "... and when it ended, as Docker says it" "ago" berth ps -a
check "berth rm bad" berth rm bad

check_fails "a missing image is refused" berth run --rm localhost/nonexistent true
check_output "... with a hint to pull or import it" "berth pull" berth run --rm localhost/nonexistent true
check_fails "an unknown option is refused" berth run --no-such-flag $IMAGE true
check_output "a bad --memory is refused before anything starts" "Invalid value '12Q' for option --memory (expected a size" \
        berth run --rm --memory 12Q $IMAGE true

# --- detached: ps, exec, logs, inspect, stop ---
check_output "berth run -d prints the name" "web" \
        berth run -d --name web --memory 64M $IMAGE sh -c 'echo web-started; exec sleep 1000'
check "berth-web.service is active" test "$(unit_prop berth-web.service ActiveState)" = active
check_output "... Type=notify" "notify" unit_prop berth-web.service Type
check_output "... Delegate=yes" "yes" unit_prop berth-web.service Delegate
check_output "... KillMode=mixed" "mixed" unit_prop berth-web.service KillMode
check_output "--memory 64M became MemoryMax on the unit" "67108864" unit_prop berth-web.service MemoryMax
check_output "ExecStart runs berth-runtime supervise --name=web" "supervise --name=web" \
        unit_prop berth-web.service ExecStart
check "berth ps lists web" wait_until 10 ps_lists web
berth ps -a | sed 's/^/# ps: /'
check_output "... under Docker's columns" "CONTAINER ID   IMAGE" berth ps
check_output "... with its image" "$IMAGE" berth ps
check_output "... Up for some time" "Up " berth ps
check_output "berth ps --format json has its name and unit" '"Unit": "berth-web.service"' berth ps --format json
web_id=$(berth ps --format json | jq -r '.[] | select(.Names == "web") | .ID')
check "web has a 64-hex ID" grep -qxE '[0-9a-f]{64}' <<<"$web_id"
check_output "... the runtime's state records it" "$web_id" nspawn_run cat /run/berth/containers/web/state.json
check_output "... and a prefix of it finds the container" '"name": "web"' berth inspect "${web_id:0:12}"
check_output "berth ps shows its first 12 digits" "${web_id:0:12}   " berth ps
check_output "berth ps -q prints them" "${web_id:0:12}" berth ps -q
check_output "berth exec web cat /etc/hostname" "web" berth exec web cat /etc/hostname
berth exec web sh -c 'exit 7' && rc=0 || rc=$?
check "berth exec passes the command's exit status on" test "$rc" -eq 7
logs_have() { berth logs web | grep -q web-started; }
check "berth logs web shows its output" wait_until 10 logs_have
check_output "berth logs -n 1 web shows the last line" "web-started" berth logs -n 1 web
check "berth exec -d returns at once" \
        berth exec -d web sh -c 'echo detached-ran; exec sleep 999'
detached_runs() { berth exec web ps | grep -q 'sleep 999'; }
check "... and the command keeps running in the container" wait_until 10 detached_runs
detached_logged() { berth logs web | grep -q detached-ran; }
check "... its output goes to the container's log" wait_until 10 detached_logged
check_output "berth exec -d -t is refused" "cannot be combined" berth exec -d -t web true
check_output "berth inspect web has the runtime's state" '"status": "running"' berth inspect web
check_output "... and the unit's MemoryMax" '"MemoryMax": 67108864' berth inspect web

pid_before=$(berth inspect web | grep -m1 '"pid"')
check "berth restart web" berth restart web
check "... runs it again" wait_until 10 ps_lists web
check "... as a new process" test "$(berth inspect web | grep -m1 '"pid"')" != "$pid_before"
check_fails "a second container named web is refused" berth run -d --name web $IMAGE sleep 1
check_output "... saying the name is in use" "already in use" berth run -d --name web $IMAGE sleep 1
check_fails "berth rm of a running container without -f is refused" berth rm web

start=$(date +%s%N)
check "berth stop -t 2 web succeeds" berth stop -t 2 web
stop_ms=$((($(date +%s%N) - start) / 1000000))
diag "stop took $stop_ms ms"
check "... within the timeout (+2 s)" test "$stop_ms" -le 4000
check "berth ps no longer lists web" bash -c '! grep -q " web$" <<<"$1"' _ "$(berth ps)"
check "the unit is gone (nothing failed stays behind)" wait_until 10 unit_gone berth-web.service
check "the runtime's state for web is gone" nspawn_run test ! -e /run/berth/containers/web

# --- logs -f follows until the container ends ---
check "berth run -d a container that writes twice" \
        berth run -d --name chatty $IMAGE sh -c 'echo first-line; sleep 1; echo second-line'
out=$(nspawn_run_timeout 30 berth logs -f chatty 2>&1) && rc=0 || rc=$?
check "berth logs -f returns once the container has ended" test "$rc" -eq 0
check_output "... having printed the first line" "first-line" echo "$out"
check_output "... and the second" "second-line" echo "$out"

# --- a generator-made container ---
check "berth ps lists the generator-made container gen" wait_until 30 ps_lists gen
check_output "... with its unit gen.service" '"Unit": "gen.service"' berth ps --format json
check_output "berth inspect gen shows its definition file" "/etc/berth/gen.container" berth inspect gen
check "berth stop gen stops gen.service" berth stop gen
check_output "... which is then inactive" "inactive" unit_prop gen.service ActiveState
check "berth start gen starts it again" berth start gen
check "berth restart gen restarts it" berth restart gen
check "... and ps lists it" wait_until 10 ps_lists gen
check "berth stop gen" berth stop gen
check_output "berth run --name gen is refused while gen.container defines it" "already in use" \
        berth run --rm --name gen $IMAGE true

# --- kill, rm -f, unknown names ---
check "berth run -d a second container" berth run -d --name victim $IMAGE sleep 1000
check "berth kill victim (SIGKILL)" berth kill victim
ended() { [ "$(unit_prop berth-victim.service ActiveState)" != active ]; }
check "... ends it" wait_until 10 ended
check_output "... which ps -a shows as killed" "Exited (137)" berth ps -a
check "... and its runtime cleaned up after it" wait_until 10 nspawn_run test ! -e /run/berth/containers/victim
check "berth rm victim forgets the killed container" berth rm victim
check "berth run -d a container that exits on SIGHUP" \
        berth run -d --name hup $IMAGE sh -c 'trap "exit 0" HUP; while :; do sleep 0.1; done'
check "berth kill -s HUP hup" berth kill -s HUP hup
check "... reaches its first process, which exits" wait_until 10 unit_gone berth-hup.service
check_fails "berth kill -s with an unknown signal is refused" berth kill -s NOPE web
check "berth run -d a third container" berth run -d --name forced $IMAGE sleep 1000
check "berth rm -f removes a running container" berth rm -f forced
check "... and its unit is gone" wait_until 10 unit_gone berth-forced.service

# --- PORTS, as Docker writes them ---
check "berth run -d -p 8080:80 -p 127.0.0.1:5353:53/udp" \
        berth run -d --name pub -p 8080:80 -p 127.0.0.1:5353:53/udp $IMAGE sleep 1000
check_output "berth ps shows the published ports" "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp" berth ps
check "berth rm -f pub" berth rm -f pub

# --- verbs on several containers at once (one bus, one Subscribe) ---
for m in m1 m2 m3; do
        check "berth run -d --name $m" berth run -d --name $m $IMAGE sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
done
pid_of() { berth inspect "$1" | grep -m1 '"pid"' | tr -dc 0-9; }
p1=$(pid_of m1) p2=$(pid_of m2)
out=$(berth restart m1 m2 2>&1) && rc=0 || rc=$?
check "berth restart m1 m2 succeeds" test "$rc" -eq 0
check "... printing both names" test "$out" = "$(printf 'm1\nm2')"
[ "$rc" -eq 0 ] || diag "restart: $out"
check "... m1 runs as a new process" bash -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$(pid_of m1)" "$p1"
check "... and so does m2" bash -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$(pid_of m2)" "$p2"
out=$(berth stop m1 m2 m3 2>&1) && rc=0 || rc=$?
check "berth stop m1 m2 m3 succeeds" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "stop: $out"
for m in m1 m2 m3; do
        check "... $m has stopped" wait_until 10 unit_gone berth-$m.service
done
check "berth run -d --name m4" berth run -d --name m4 $IMAGE sleep 1000
check "berth run -d --name m5" berth run -d --name m5 $IMAGE sleep 1000
berth stop nosuch m4 m5 >/dev/null 2>&1 && rc=0 || rc=$?
check "berth stop nosuch m4 m5 fails for nosuch" test "$rc" -ne 0
check "... and still stops m4" wait_until 10 unit_gone berth-m4.service
check "... and m5" wait_until 10 unit_gone berth-m5.service

for verb in stop logs inspect rm kill restart; do
        check_output "berth $verb of an unknown name says so" "No such container" berth $verb nosuch
done
check_output "berth exec in an unknown container says so" "not running" berth exec nosuch true
check "no berth-runtime process is left" bash -c '! grep -qx berth-runtime <<<"$1"' _ \
        "$(nspawn_run sh -c 'cat /proc/[0-9]*/comm 2>/dev/null')"

done_testing
