#!/bin/bash
# The berth CLI's docker verbs beyond run/ps/stop under a real systemd (the nspawn harness), each
# effect checked: the `container` group dispatching to the verbs (and run's exit status through it),
# wait (the exit code, also of a container that ended before the unit could be held), top (the
# container's processes, not its runtime), stats --no-stream (numbers from the unit's cgroup, no
# "infinity"), update (MemoryMax=, CPUQuota=, TasksMax= changed on the running unit), info, system df,
# container prune and system prune. On busybox and on a Debian (glibc) image.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
. "$(dirname "$0")/../lib/real-image.sh"

IMAGE=localhost/busybox
nspawn_prepare
deb_tar=$(real_image_debian_tar) && rc=0 || rc=$?
tap_result $rc "a debootstrap bookworm root (cached in $REAL_IMAGE_CACHE)"
nspawn_import_image $IMAGE
import_debian() { BERTH_STORAGE_DIR=$NSPAWN_STORAGE "$BERTH_BUILD/berth" image import "$deb_tar" localhost/debian; }
BERTH_BUILD=${BERTH_BUILD:-$NSPAWN_TOP/build}
check "import the Debian image" import_debian
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
unit_prop() { nspawn_run systemctl show -P "$2" "$1"; }
unit_gone() { [ "$(unit_prop "$1" LoadState)" = not-found ]; }
# check_match NAME REGEX COMMAND...: a line of the command's output matches the extended regex
check_match() {
        local name=$1 re=$2 out
        shift 2
        out=$("$@" 2>&1)
        if grep -Eq -- "$re" <<<"$out"; then
                tap_result 0 "$name"
        else
                tap_result 1 "$name"
                diag "command: $*; expected a line matching: $re"
                printf '%s\n' "$out" | sed 's/^/#   /' | tail -20
        fi
}

# --- the container group ---
out=$(berth container run --rm $IMAGE echo via-group 2>&1) && rc=0 || rc=$?
check_output "berth container run runs a container" "via-group" echo "$out"
berth container run --rm $IMAGE sh -c 'exit 7' >/dev/null 2>&1 && rc=0 || rc=$?
check "... and passes on its exit status (7)" test "$rc" -eq 7
check "berth container run -d --name g1" berth container run -d --name g1 $IMAGE sleep 1000
check_output "berth container ls lists it" " g1" berth container ls
check_output "berth container inspect shows it" '"g1"' berth container inspect g1
check "berth container stop g1" berth container stop g1
check "... stops its unit" wait_until 10 unit_gone berth-g1.service
check "berth container rm g1 (an exited container stays until rm)" berth container rm g1
check_output "berth container with an unknown verb says so" "Unknown command 'container frob'" berth container frob
berth nosuchverb >/dev/null 2>&1 && rc=0 || rc=$?
check "an unknown verb fails" test "$rc" -ne 0
berth run --rm localhost/nonexistent true >/dev/null 2>&1 && rc=0 || rc=$?
check "berth run's own failure (a missing image) is docker's 125" test "$rc" -eq 125
berth run --rm $IMAGE /no/such/command >/dev/null 2>&1 && rc=0 || rc=$?
check "a command missing in the image is docker's 127" test "$rc" -eq 127

# --- wait ---
check "run -d a container that exits 3 after a while" berth run -d --name w3 $IMAGE sh -c 'sleep 1; exit 3'
check_match "berth wait prints its exit code 3" "^3$" berth wait w3
check "berth rm w3" berth rm w3
check "run -d a container that exits 0" berth run -d --name w0 $IMAGE sleep 1
check_match "berth wait prints 0" "^0$" berth wait w0
check "berth rm w0 (an exited container stays until rm)" berth rm w0
check "run -d a container killed by SIGKILL" berth run -d --name wk $IMAGE sleep 1000
( sleep 1; nspawn_run systemctl kill -s KILL berth-wk.service ) &
kill_job=$!
out=$(berth wait wk)
wait "$kill_job"
check_match "berth wait of a container killed by SIGKILL prints 137 (128+9)" "^137$" echo "$out"
berth rm -f wk >/dev/null 2>&1
check_output "berth wait of an unknown name says so" "No such container" berth wait nosuch

# --- top, stats, update on busybox and Debian ---
for img in $IMAGE localhost/debian; do
        tag=${img##*/}
        check "[$tag] run -d a container with sleep" berth run -d --name t-$tag --memory 64M $img sleep 1000
        out=$(berth top t-$tag 2>&1)
        check_match "[$tag] berth top lists the header" "UID +PID +PPID +TIME +CMD" echo "$out"
        check_output "[$tag] ... and sleep 1000" "sleep 1000" echo "$out"
        check "[$tag] ... and not berth-runtime" bash -c '! grep -q berth-runtime <<<"$1"' _ "$out"
        pid=$(awk '/sleep 1000/ { print $2 }' <<<"$out")
        check "[$tag] ... whose PID is the host's pid of sleep" \
                nspawn_run sh -c "grep -q 'sleep' /proc/$pid/cmdline"
        out=$(berth stats --no-stream t-$tag 2>&1)
        diag "$out"
        check_match "[$tag] berth stats --no-stream has docker's columns" \
                "CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +PIDS" echo "$out"
        check_output "[$tag] ... and a row for the container" " t-$tag " echo "$out"
        check "[$tag] ... without 'infinity'" bash -c '! grep -q infinity <<<"$1"' _ "$out"
        json=$(berth stats --no-stream --format json t-$tag 2>&1)
        check "[$tag] stats --format json: the name, a CPU usage, a process count" \
                python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert o["Name"]==sys.argv[2]; assert o["CPUUsageUsec"] is None or o["CPUUsageUsec"] >= 0; assert o["PIDs"] >= 1, o' \
                "$json" t-$tag
        check "[$tag] berth update --memory 128M --cpus 1.5 --pids-limit 50" \
                berth update --memory 128M --cpus 1.5 --pids-limit 50 t-$tag
        check_match "[$tag] ... sets MemoryMax= on the running unit" "^134217728$" unit_prop berth-t-$tag.service MemoryMax
        check_match "[$tag] ... CPUQuota= (1.5 CPUs)" "^1\.5(00000)?s$" unit_prop berth-t-$tag.service CPUQuotaPerSecUSec
        check_match "[$tag] ... TasksMax=" "^50$" unit_prop berth-t-$tag.service TasksMax
        check "[$tag] ... and the container still runs" berth exec t-$tag true
        check "[$tag] berth stop t-$tag" berth stop t-$tag
        check "[$tag] berth rm t-$tag" berth rm t-$tag
done
check_output "a bad update value is refused naming the flag" "Invalid value '12Q' for option --memory" \
        berth update --memory 12Q nosuch
check_output "update without a limit says what to give" "Nothing to update" berth update nosuch
check_output "top of a container that does not run says so" "No such container" berth top nosuch

# --- ps --filter ---
check "run -d two containers, one labelled" berth run -d --name fa --label app=web $IMAGE sleep 1000
berth run -d --name fb localhost/debian sleep 1000 >/dev/null
berth run --name fx $IMAGE sh -c 'exit 1' >/dev/null 2>&1
ps_names() { berth ps -a --format json "$@" | python3 -c 'import json,sys; print(" ".join(sorted(r["Names"] for r in json.load(sys.stdin))))'; }
check_output "ps --filter name=fa" "fa" ps_names --filter name=fa
check_match "ps --filter label=app=web: only the labelled one" "^fa$" ps_names --filter label=app=web
check_match "ps --filter label=app (the key alone)" "^fa$" ps_names --filter label=app
check_match "ps --filter ancestor=localhost/debian" "^fb$" ps_names --filter ancestor=localhost/debian
check_match "ps --filter status=exited" "^fx$" ps_names --filter status=exited
check_match "two values of one key are alternatives" "^fa fb$" ps_names --filter name=fa --filter name=fb
check_match "two keys must both hold" "^$" ps_names --filter name=fb --filter label=app=web
fa_id=$(berth ps -q --filter name=fa)
check_match "ps --filter id=PREFIX" "^fa$" ps_names --filter "id=${fa_id:0:6}"
check_output "an unknown filter key is refused" "Invalid --filter 'colour=red'" berth ps --filter colour=red
check_match "ps --format '{{.Names}}'" "^fa$" berth ps --filter name=fa --format '{{.Names}}'
check_match "ps --format 'table {{.ID}}\\t{{.Names}}' has docker's heading" "^CONTAINER ID	NAMES$" \
        berth ps --filter name=fa --format 'table {{.ID}}\t{{.Names}}'
check_match "... and a short ID" "^[0-9a-f]{12}	fa$" berth ps --filter name=fa --format 'table {{.ID}}\t{{.Names}}'
check_match "inspect -f '{{.State.Status}}'" "^running$" berth inspect -f '{{.State.Status}}' fa
check_match "inspect -f '{{json .Config.Labels}}'" '^\{"app":"web"\}$' berth inspect -f '{{json .Config.Labels}}' fa
check_match "images --format '{{.Repository}}:{{.Tag}}'" "^localhost/debian:latest$" \
        berth images --format '{{.Repository}}:{{.Tag}}'
check_match "network ls --format '{{.Name}}'" "^berth$" berth network ls --format '{{.Name}}'
check_output "a template berth does not know is refused" "Invalid --format" berth ps --format '{{range .Names}}'
berth rm -f fa fb fx >/dev/null 2>&1

# --- logs -t, --since, --until ---
check "run -d a container that writes two lines two seconds apart" \
        berth run -d --name lg $IMAGE sh -c 'echo first; sleep 2; echo second; sleep 1000'
lines_written() { berth logs lg 2>/dev/null | grep -q '^second$'; }
sleep 1
between=$(nspawn_run date +%s)
check "... both are written" wait_until 10 lines_written
check_match "logs -t prefixes each line with its RFC 3339 time" \
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z first$" berth logs -t lg
check_output "logs --since a Unix time between them shows the second line" "second" berth logs --since "$between" lg
logs_lack() { local word=$1; shift; ! berth logs "$@" | grep -qx "$word"; }
check "... not the first" logs_lack first --since "$between" lg
check_output "logs --until that time shows the first" "first" berth logs --until "$between" lg
check "... not the second" logs_lack second --until "$between" lg
check_output "logs --since 1h (a duration ago) shows both" "first" berth logs --since 1h lg
check_output "a bad --since is refused" "Invalid --since 'yesterday'" berth logs --since yesterday lg
berth rm -f lg >/dev/null 2>&1

# --- run --restart, --cpus, --cpu-shares ---
nspawn_run mkdir -p /tmp/rs
check "run -d --restart on-failure:2 a container that fails" \
        berth run -d --name rs --restart on-failure:2 -v /tmp/rs:/out $IMAGE sh -c 'echo run >>/out/n; exit 1'
runs_are() { [ "$(nspawn_run sh -c 'wc -l </tmp/rs/n' 2>/dev/null)" = "$1" ]; }
check "... runs three times (two restarts), then stays down" wait_until 20 runs_are 3
sleep 1
check "... and not a fourth time" runs_are 3
berth rm -f rs >/dev/null 2>&1
check "run -d --restart always --cpus 1.5 --cpu-shares 2048" \
        berth run -d --name ra --restart always --cpus 1.5 --cpu-shares 2048 $IMAGE sleep 1000
check_match "... Restart=always on its unit" "^always$" unit_prop berth-ra.service Restart
check_match "... CPUQuota= of 1.5 CPUs" "^1\.5(00000)?s$" unit_prop berth-ra.service CPUQuotaPerSecUSec
check_match "... CPUWeight= from the shares" "^79$" unit_prop berth-ra.service CPUWeight
check "... berth stop stops it for good" berth stop -t 1 ra
check "... its unit goes" wait_until 10 unit_gone berth-ra.service
berth rm -f ra >/dev/null 2>&1
check_output "--restart with --rm is refused" "cannot be combined" berth run --rm --restart always $IMAGE true

# --- info, system df, prune ---
check "run -d a container for the counts" berth run -d --name i1 $IMAGE sleep 1000
berth run --name dead $IMAGE sh -c 'exit 2' >/dev/null 2>&1
out=$(berth info 2>&1)
check_match "berth info counts the running container" "^ Running: 1$" echo "$out"
check_match "... and the stopped one" "^ Stopped: 1$" echo "$out"
check_match "... and the two images" "^Images: 2$" echo "$out"
check "berth info --format json is JSON with docker's keys" \
        python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert o["ContainersRunning"]==1 and o["Images"]==2 and o["NCPU"]>=1, o' \
        "$(berth info --format json)"
check_match "berth system info is berth info" "^ Running: 1$" berth system info
out=$(berth system df 2>&1)
diag "$out"
check_match "berth system df: Images, 2 of which 1 active" "^Images +2 +1 " echo "$out"
check_match "... Containers, 2 of which 1 running" "^Containers +2 +1 " echo "$out"
check_match "berth container prune removes the stopped container" "^dead$" berth container prune -f
check "... whose unit is gone" wait_until 10 unit_gone berth-dead.service
check_match "... and leaves the running one" " i1$" berth ps
check "berth network create spare" berth network create spare
berth run --name dead2 $IMAGE sh -c 'exit 2' >/dev/null 2>&1
out=$(berth system prune -f 2>&1)
diag "$out"
check_match "berth system prune removes stopped containers" "^dead2$" echo "$out"
check_match "... and unused networks" "^spare$" echo "$out"
check_match "... but not the running container" " i1$" berth ps

# --- bash completion, installed by make install, through bash's own completion machinery ---
complete_words() { # the words _berth offers for the command line "$*" (the last word is completed)
        nspawn_run bash -c '. /usr/local/share/bash-completion/completions/berth || exit 1
                complete -p berth >/dev/null || exit 1
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                _berth berth "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
check_match "completion: 'berth st' offers start, stop and stats" "^stats$" complete_words berth st
check_match "... stop" "^stop$" complete_words berth st
check_match "completion: 'berth container' offers its verbs" "^prune$" complete_words berth container pr
check_match "completion: 'berth stop ' offers the running container's name" "^i1$" complete_words berth stop ""
check_match "completion: 'berth container logs i' offers it too" "^i1$" complete_words berth container logs i
check_match "completion: 'berth run --me' offers --memory (from berth run --help)" "^--memory$" \
        complete_words berth run --me
check_match "completion: 'berth run ' offers the images" "^localhost/debian:latest$" complete_words berth run ""
check_match "completion: 'berth network rm ' offers the networks" "^berth$" complete_words berth network rm ""
check "completion: 'berth stop --' offers no container names" \
        bash -c '! grep -q i1 <<<"$1"' _ "$(complete_words berth stop --)"

check "berth stop i1" berth stop i1

check "no berth-runtime process is left" bash -c '! grep -qx berth-runtime <<<"$1"' _ \
        "$(nspawn_run sh -c 'cat /proc/[0-9]*/comm 2>/dev/null')"
done_testing
