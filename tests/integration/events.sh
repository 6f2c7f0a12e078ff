#!/bin/bash
# berth events, under a booted systemd: the events of run, stop, kill, restart and rm of a busybox and
# a glibc container (tests/lib/real-image.sh) stream live in order, with the right name, ID and exit
# code; --since replays them from the journal; --until in the past exits at once; --format json has
# Docker's keys (parsed with python3's json); Go templates; a health check turning healthy gives
# health_status; the filters container=, event=, type=, label= and image=; volume events; a generator-made
# container's events at boot (--until alone); create and rename; berthd's RunContainer and KillContainer;
# image and network events; bash completion.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
. "$(dirname "$0")/../lib/real-image.sh"

IMAGE=localhost/busybox
nspawn_prepare
host_tar=$(real_image_host_tar) && rc=0 || rc=$?
tap_result $rc "a root of the host's glibc programs (cached in $REAL_IMAGE_CACHE)"
[ $rc -eq 0 ] || { done_testing; exit 1; }
nspawn_import_image $IMAGE
check "import the glibc image" env BERTH_STORAGE_DIR="$NSPAWN_STORAGE" "$BERTH_BUILD/berth" image import \
        "$host_tar" localhost/glibc
mkdir -p "$NSPAWN_DIR/etc-berth"
# a generator-made container that runs at boot and exits 0: its runtime writes its events too
printf '[Container]\nImage=%s\nExec=true\n\n[Install]\nWantedBy=multi-user.target\n' "$IMAGE" \
        >"$NSPAWN_DIR/etc-berth/genev.container"
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
LIVE=/run/events-live.json

# --- the generator-made container's run at boot: replayed with --until alone (every kept event before it) ---
gen() { berth events --until "$(nspawn_run date +%s.%N)" --filter container=genev "$@" | tr '\n' ' '; }
gen_died() { [[ "$(gen --format '{{.Action}}')" == *die* ]]; }
check "the boot's genev.service wrote start and die" wait_until 20 gen_died
check_output "... in order" "start die " gen --format '{{.Action}}'
check_output "... die with exit code 0" "0 " gen --filter event=die --format '{{.Actor.Attributes.exitCode}}'
genev_id=$(berth ps -a --format json | jq -r '.[] | select(.Names == "genev") | .ID')
check "... with the ID ps -a gives it" test "$(gen --filter event=start --format '{{.ID}}')" = "$genev_id "
check "... a 64-hex one" grep -qxE '[0-9a-f]{64}' <<<"$genev_id"

# --- the live stream: started before anything happens, without --since ---
t0=$(nspawn_run date +%s.%N)
check "berth events --format json runs as a unit of its own" nspawn_run systemd-run --unit=events-live \
        -p StandardOutput=file:$LIVE berth events --format json
# It follows once it has sought the journal's end: a volume made until its event shows proves that.
mark=0
marker_seen() {
        mark=$((mark + 1))
        berth volume create evmark$mark >/dev/null && nspawn_run grep -q "\"evmark$mark\"" $LIVE
}
check "... and streams a volume's create event" wait_until 20 marker_seen

# --- busybox: run -d, stop, start, kill, rm ---
check "berth run -d busybox (exits 7 on SIGTERM)" berth run -d --name bb -l app=web $IMAGE \
        sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
check "berth stop bb" berth stop bb
check "berth start bb" berth start bb
check "berth restart bb" berth restart bb
check "berth kill bb" berth kill bb
bb_id=$(berth ps -a --format json | jq -r '.[] | select(.Names == "bb") | .ID')
check "bb has a 64-hex ID" grep -qxE '[0-9a-f]{64}' <<<"$bb_id"
check "berth rm bb" wait_until 20 berth rm bb

# --- glibc: run --rm in the foreground, exit 3 ---
berth run --rm --name deb localhost/glibc python3 -c 'import sys; sys.exit(3)' && rc=0 || rc=$?
check "berth run --rm the glibc image (python3) exits 3" test "$rc" -eq 3

# --- berth create, start, rm; run --rm with an anonymous volume (recorded until its end) ---
check "berth create cr0" berth create --name cr0 $IMAGE true
check "berth rename cr0 cr" berth rename cr0 cr
check "berth start cr" berth start cr
cr_ended() { berth ps -a | grep -q "Exited (0).* cr\$"; }
check "... ends" wait_until 20 cr_ended
check "berth rm cr" berth rm cr
check "berth run --rm -v /data (an anonymous volume)" berth run --rm --name anon -v /data $IMAGE true

# --- a health check that turns healthy ---
check "berth run -d a container with a health check" berth run -d --name hc --health-cmd true \
        --health-interval 1s $IMAGE sleep 1000
health_seen() { nspawn_run grep -q '"health_status: healthy"' $LIVE; }
check "... its health_status: healthy streams" wait_until 30 health_seen
check "berth rm -f hc" berth rm -f hc

# what the live stream saw, once the last event (hc's destroy) is in
destroyed() { nspawn_run python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(e["Action"] == "destroy" and e["Actor"]["Attributes"].get("name") == "hc" for e in ev) else 1)' $LIVE; }
check "the stream got hc's destroy" wait_until 20 destroyed
nspawn_run systemctl stop events-live
nspawn_run cat $LIVE >"$NSPAWN_DIR/live.json"

# name:action[:exitCode] of the container events of the stream, in order
seq_of() { python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["Type"] != "container":
        continue
    a = e["Actor"]["Attributes"]
    print(a["name"] + ":" + e["Action"] + (":" + a["exitCode"] if "exitCode" in a else ""))' "$1"; }
seq_of "$NSPAWN_DIR/live.json" >"$NSPAWN_DIR/live.seq" 2>&1
# seq_is PATTERN EXPECTED: the stream's events of those containers are exactly EXPECTED (prints them)
seq_is() {
        local got
        got=$(grep -E "$1" "$NSPAWN_DIR/live.seq" | tr '\n' ' ')
        echo "$got"
        [ "$got" = "$2 " ]
}
check "busybox: create, start, die 7, stop, start, die 7, start, restart, kill, die 137, destroy, in order" seq_is "^bb:" "bb:create bb:start bb:die:7 bb:stop bb:start bb:die:7 bb:start bb:restart bb:kill bb:die:137 bb:destroy"
check "glibc --rm: create, start, die 3, destroy, in order" seq_is "^deb:" "deb:create deb:start deb:die:3 deb:destroy"
check "create, rename: create, rename, start, die 0, destroy" seq_is "^cr0?:" "cr0:create cr:rename cr:start cr:die:0 cr:destroy"
check "... the rename names the old name, and the ID stays" python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
cr = [e for e in ev if e["Type"] == "container" and e["Actor"]["Attributes"]["name"] in ("cr0", "cr")]
assert [e["Actor"]["Attributes"].get("oldName") for e in cr if e["Action"] == "rename"] == ["cr0"], cr
assert len({e["Actor"]["ID"] for e in cr}) == 1, cr' "$NSPAWN_DIR/live.json"
check "run --rm with an anonymous volume: create, start, die 0, destroy" seq_is "^anon:" "anon:create anon:start anon:die:0 anon:destroy"
check "health: create, start, health_status: healthy, die 137 (rm -f), destroy" seq_is "^hc:" "hc:create hc:start hc:health_status: healthy hc:die:137 hc:destroy"
check "every line has Docker's keys, with the right types" python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    assert isinstance(e["Type"], str) and isinstance(e["Action"], str), e
    assert isinstance(e["Actor"]["ID"], str) and isinstance(e["Actor"]["Attributes"], dict), e
    assert isinstance(e["time"], int) and isinstance(e["timeNano"], int), e
    assert e["time"] == e["timeNano"] // 10**9 and e["scope"] == "local", e
    if e["Type"] == "container":
        assert e["status"] == e["Action"] and e["id"] == e["Actor"]["ID"], e
        assert e.get("from") == e["Actor"]["Attributes"].get("image"), e' "$NSPAWN_DIR/live.json"
check "bb's events carry its ID and its label" python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
bb = [e for e in ev if e["Type"] == "container" and e["Actor"]["Attributes"]["name"] == "bb"]
assert bb and all(e["Actor"]["ID"] == sys.argv[2] for e in bb), bb
assert all(e["Actor"]["Attributes"].get("app") == "web" for e in bb), bb
assert [e["Actor"]["Attributes"]["signal"] for e in bb if e["Action"] == "kill"] == ["9"], bb' \
        "$NSPAWN_DIR/live.json" "$bb_id"

# --- --since replays the past; --until in the past exits ---
t1=$(nspawn_run date +%s.%N)
past() { berth events --since "$t0" --until "$t1" "$@"; }
past >"$NSPAWN_DIR/past.txt" && rc=0 || rc=$?
check "berth events --since T0 --until T1 (both past) exits 0 by itself" test "$rc" -eq 0
check_output "... replays Docker's text lines" "container die $bb_id (app=web, exitCode=7, image=$IMAGE, name=bb)" \
        cat "$NSPAWN_DIR/past.txt"
past --format json | grep -v '"Type":"volume"' >"$NSPAWN_DIR/past.json"
grep -v '"Type":"volume"' "$NSPAWN_DIR/live.json" >"$NSPAWN_DIR/live-containers.json"
check "... the same events as the live stream, in the same order" \
        diff "$NSPAWN_DIR/past.json" "$NSPAWN_DIR/live-containers.json"
check "--since after everything (and --until) replays nothing" \
        test -z "$(berth events --since "$t1" --until "$(nspawn_run date +%s.%N)")"
start=$(date +%s%N)
check "--until 2 s ahead returns by itself" berth events --until "$(($(nspawn_run date +%s) + 2))"
check "... after waiting for it" test $((($(date +%s%N) - start) / 1000000)) -ge 900

# --- filters and templates ---
filtered() { berth events --since "$t0" --until "$t1" --format '{{.Actor.Attributes.name}}:{{.Action}}' "$@" | tr '\n' ' '; }
check_output "--filter container=bb --filter event=die" "bb:die bb:die bb:die " filtered --filter container=bb --filter event=die
check_output "--filter container=ID-prefix" "bb:create" filtered --filter "container=${bb_id:0:12}" --filter event=create
check_output "--filter event=health_status" "hc:health_status: healthy " filtered --filter event=health_status
check_output "--filter image=localhost/glibc" "deb:create deb:start deb:die deb:destroy " \
        filtered --filter image=localhost/glibc --filter event=create --filter event=start --filter event=die --filter event=destroy
labelled=$(filtered --filter label=app=web)
check "--filter label=app=web: only bb's events" \
        test "$(tr ' ' '\n' <<<"$labelled" | sed '/^$/d' | cut -d: -f1 | sort -u)" = bb
check_output "--filter type=volume" "evmark1:create" \
        berth events --since "$t0" --until "$t1" --filter type=volume --format '{{.Actor.ID}}:{{.Action}}'
check_output "a template over Docker's Go fields" "container die $bb_id 7" \
        berth events --since "$t0" --until "$t1" --filter container=bb --filter event=die --format '{{.Type}} {{.Status}} {{.ID}} {{.Actor.Attributes.exitCode}}'
check_output "berth system events is the same verb" "bb:destroy" \
        berth system events --since "$t0" --until "$t1" --filter container=bb --filter event=destroy --format '{{.Actor.Attributes.name}}:{{.Action}}'
check_fails "--filter name=x is refused" berth events --filter name=x --until 1
check_fails "--format '{{.Type' is refused" berth events --format '{{.Type' --until 1
check_output "... in one line naming the flag" "Invalid --filter 'name=x'" berth events --filter name=x

# --- berthd: RunContainer writes create, KillContainer kill; the runtime start and die ---
t2=$(nspawn_run date +%s.%N)
M=(org.berth1 /org/berth1 org.berth1.Manager)
check "berthd: RunContainer dbx" nspawn_run_timeout 60 busctl call -- "${M[@]}" RunContainer 'ssasasa{sv}' dbx \
        $IMAGE 2 sleep 1000 0 0
check "berthd: KillContainer dbx 9" nspawn_run_timeout 60 busctl call -- "${M[@]}" KillContainer si dbx 9
dbx() { berth events --since "$t2" --until "$(nspawn_run date +%s.%N)" --filter container=dbx "$@" | tr '\n' ' '; }
dbx_died() { [[ "$(dbx --format '{{.Action}}')" == *die* ]]; }
check "... its die arrives" wait_until 20 dbx_died
check_output "... create, start, kill, die in order" "create start kill die " dbx --format '{{.Action}}'
check_output "... kill with signal 9" "9 " dbx --filter event=kill --format '{{.Actor.Attributes.signal}}'
check_output "... die with exit code 137" "137 " dbx --filter event=die --format '{{.Actor.Attributes.exitCode}}'
check "... all with one ID" test "$(dbx --format '{{.ID}}' | tr ' ' '\n' | sed '/^$/d' | sort -u | wc -l)" = 1
check "berth rm dbx" wait_until 20 berth rm dbx

# --- images and networks ---
t3=$(nspawn_run date +%s.%N)
check "berth image tag $IMAGE localhost/bbtag" berth image tag $IMAGE localhost/bbtag
check "berth rmi localhost/bbtag" berth rmi localhost/bbtag
check "berth network create evnet" berth network create evnet
check "berth network rm evnet" berth network rm evnet
objects() { berth events --since "$t3" --until "$(nspawn_run date +%s.%N)" "$@" | tr '\n' ' '; }
image_id=$(berth image inspect $IMAGE | jq -r '.[0].Id')
check_output "image events: tag and untag of the image's ID, named" "tag $image_id localhost/bbtag:latest untag $image_id localhost/bbtag:latest " \
        objects --filter type=image --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'
check_output "network events: create and destroy" "create evnet destroy evnet " \
        objects --filter network=evnet --format '{{.Action}} {{.Actor.Attributes.name}}'

# --- bash completion, installed by make install, through bash's own completion machinery ---
complete_words() { # the words _berth offers for the command line "$*" (the last word is completed)
        nspawn_run bash -c '. /usr/local/share/bash-completion/completions/berth || exit 1
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                _berth berth "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
check_output "completion: 'berth ev' offers events" "events" complete_words berth ev
check_output "completion: 'berth system ev' offers events" "events" complete_words berth system ev
check_output "completion: 'berth events --s' offers --since (from its --help)" "--since" complete_words berth events --s
check_output "completion: 'berth events --filter ' offers the filter keys" "container=" \
        complete_words berth events --filter ""
check_output "completion: 'berth system events --filter ev' offers event=" "event=" \
        complete_words berth system events --filter ev

done_testing
