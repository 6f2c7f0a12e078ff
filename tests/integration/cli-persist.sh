#!/bin/bash
# Exited containers stay until `berth rm`, as Docker keeps them: a `berth run` without --rm writes a
# record ($BERTH_STATE_DIR/containers/NAME.json); once its transient unit has ended and systemd
# collected it, `ps -a` still lists it with its exit status, `logs` and `inspect` still answer, its
# writable layer and environment file stay, and `start` makes the same unit again from the record,
# also after a daemon-reload. `rm` removes record, layer and environment file; `rm -f` stops a running
# one first. On busybox and on a glibc image of Debian's programs (tests/lib/real-image.sh).
# inspect's Docker shape is compared with a fixture of podman's output.
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
# a generator-made container that runs at boot and exits 0
printf '[Container]\nImage=%s\nExec=true\n\n[Install]\nWantedBy=multi-user.target\n' "$IMAGE" \
        >"$NSPAWN_DIR/etc-berth/genrun.container"
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
unit_prop() { nspawn_run systemctl show -P "$2" "$1"; }
unit_gone() { [ "$(unit_prop "$1" LoadState)" = not-found ]; }
ps_a_has() { berth ps -a | grep -E "$1" | grep -q " $2\$"; }

# --- an exited container stays ---
check "berth run -d a container that writes to its root and exits 3" \
        berth run -d --name keep -e SECRET_VALUE=kept $IMAGE sh -c \
        'echo run >>/runs; echo "runs=$(wc -l </runs) secret=$SECRET_VALUE"; exit 3'
check "... its unit ends and is collected" wait_until 20 unit_gone berth-keep.service
check "ps -a lists it as Exited (3) ... ago" wait_until 10 ps_a_has 'Exited \(3\) .* ago' keep
check_output "... ps -a --format json says exited" '"State": "exited"' berth ps -a --format json
check "berth ps (without -a) does not list it" bash -c '! grep -q " keep$" <<<"$1"' _ "$(berth ps)"
check "its record is kept" nspawn_run test -s /var/lib/berth/containers/keep.json
check "... root-only" test "$(nspawn_run stat -c %a /var/lib/berth/containers/keep.json)" = 600
check "its writable layer is kept" nspawn_run test -s /var/lib/berth/containers/keep/upper/runs
check "its environment file is kept" nspawn_run test -e /run/berth/private/berth-keep.service.env
check_output "berth logs keep shows its output" "runs=1 secret=kept" berth logs keep
check_output "berth inspect keep answers" "keep" berth inspect keep
check_fails "berth run --name keep is refused: the name is in use" berth run --rm --name keep $IMAGE true
keep_id=$(berth ps -a --format json | jq -r '.[] | select(.Names == "keep") | .ID')
check "it kept a 64-hex ID" grep -qxE '[0-9a-f]{64}' <<<"$keep_id"

check "systemctl daemon-reload" nspawn_run systemctl daemon-reload
check "... ps -a still lists keep" ps_a_has 'Exited \(3\)' keep

# --- start runs it again as the same unit, on the same layer ---
check "berth start keep" berth start keep
second_run() { berth logs keep | grep -q "runs=2 secret=kept"; }
check "... runs it again in berth-keep.service, on its writable layer, with its environment" \
        wait_until 20 second_run
check_output "... journal of the unit berth-keep.service" "runs=2" \
        nspawn_run journalctl -q -o cat -u berth-keep.service
check "... ps -a shows Exited (3) again" wait_until 20 ps_a_has 'Exited \(3\)' keep
check "... with the same ID" test "$(berth ps -a --format json | jq -r '.[] | select(.Names == "keep") | .ID')" = "$keep_id"
check "berth start of an ID prefix works too" berth start "${keep_id:0:12}"
third_run() { berth logs keep | grep -q "runs=3"; }
check "... a third run" wait_until 20 third_run

# --- rm removes everything ---
check "berth rm keep" wait_until 10 berth rm keep
check "... the record is gone" nspawn_run test ! -e /var/lib/berth/containers/keep.json
check "... the writable layer is gone" nspawn_run test ! -e /var/lib/berth/containers/keep
check "... the environment file is gone" nspawn_run test ! -e /run/berth/private/berth-keep.service.env
check "... ps -a no longer lists it" bash -c '! grep -q " keep$" <<<"$1"' _ "$(berth ps -a)"
check_output "... berth start keep says No such container" "No such container" berth start keep

# --- stop keeps it; rm -f of a running one stops it first ---
check "berth run -d a container that exits 0 on SIGTERM" \
        berth run -d --name stopper $IMAGE sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
check "berth stop stopper" berth stop stopper
check "... ps -a lists it as Exited (0)" wait_until 10 ps_a_has 'Exited \(0\)' stopper
check "... berth start stopper runs it again" berth start stopper
check_output "... berth ps lists it as Up" "Up " berth ps
check "berth rm without -f of a running one is refused" bash -c '! "$@"' _ nspawn_run_timeout 60 berth rm stopper
check "berth rm -f stopper" berth rm -f stopper
check "... its unit is gone" wait_until 10 unit_gone berth-stopper.service
check "... and its record" nspawn_run test ! -e /var/lib/berth/containers/stopper.json

# --- --rm leaves nothing ---
check "berth run --rm" berth run --rm --name gone $IMAGE true
check "... writes no record" nspawn_run test ! -e /var/lib/berth/containers/gone.json

# --- a foreground container without --rm stays too ---
berth run --name fg $IMAGE sh -c 'exit 5' >/dev/null 2>&1 && rc=0 || rc=$?
check "berth run (foreground) returns 5" test "$rc" -eq 5
check "... and ps -a lists it as Exited (5)" wait_until 10 ps_a_has 'Exited \(5\)' fg
check "berth rm fg" berth rm fg

# --- a generator-made container that ended successfully is listed too ---
check "ps -a lists genrun (run at boot, Exec=true) as Exited (0)" wait_until 10 ps_a_has 'Exited \(0\)' genrun

# --- a glibc image of Debian's programs ---
py='import os; open("/state", "a").write("x"); print("glibc-runs=%d" % len(open("/state").read()))'
check "berth run -d the glibc image (python3)" berth run -d --name deb localhost/glibc python3 -c "$py"
check "... ends" wait_until 20 unit_gone berth-deb.service
check "... ps -a lists it as Exited (0)" wait_until 10 ps_a_has 'Exited \(0\)' deb
check "berth start deb" berth start deb
deb_second() { berth logs deb | grep -q "glibc-runs=2"; }
check "... its second run sees the first one's file" wait_until 20 deb_second
check "berth rm deb" wait_until 10 berth rm deb
check "... removes its layer" nspawn_run test ! -e /var/lib/berth/containers/deb

# --- inspect in Docker's shape: key names and JSON types as podman 4.3's `podman inspect` gives them
# (tests/fixtures/podman-4.3-inspect.json: podman run -d --network none -e FOO=bar -l app=web
# --memory 64m --cpus 0.5 --restart on-failure:3 -v DIR:/data:ro -w /data --hostname hh
# --stop-signal SIGINT IMAGE sleep 1000). Config.Entrypoint (podman: a string, Docker: a list or null),
# Config.StopSignal (podman: a number, Docker: a name) and Config.ExposedPorts (podman: null) follow
# Docker's types instead.
PODMAN_JSON=$(dirname "$0")/../fixtures/podman-4.3-inspect.json
paths='["Id"] ["Created"] ["Path"] ["Args"] ["State"] ["State","Status"] ["State","Running"]
["State","Paused"] ["State","Restarting"] ["State","OOMKilled"] ["State","Dead"] ["State","Pid"]
["State","ExitCode"] ["State","Error"] ["State","StartedAt"] ["State","FinishedAt"] ["Image"] ["Name"]
["RestartCount"] ["HostConfig","Memory"] ["HostConfig","NanoCpus"] ["HostConfig","PortBindings"]
["HostConfig","NetworkMode"] ["HostConfig","Binds"] ["HostConfig","RestartPolicy"]
["HostConfig","RestartPolicy","Name"] ["HostConfig","RestartPolicy","MaximumRetryCount"]
["Config","Hostname"] ["Config","User"] ["Config","Env"] ["Config","Cmd"] ["Config","Image"]
["Config","WorkingDir"] ["Config","Labels"] ["NetworkSettings","Ports"] ["Mounts"] ["Mounts",0,"Type"]
["Mounts",0,"Source"] ["Mounts",0,"Destination"] ["Mounts",0,"RW"] ["Mounts",0,"Propagation"]'
types_of() { # FILE: one "PATH TYPE" line per path; jq failing fails the comparison too
        jq -r --argjson paths "[$(tr '\n' ' ' <<<"$paths" | sed 's/\] *\[/],[/g')]" \
                '.[0] as $c | $paths[] | . as $p | "\($p | tostring) \($c | getpath($p) | type)"' "$1" || echo "jq failed"
}
nspawn_run mkdir -p /srv/data
check "berth run -d the container podman's fixture describes" berth run -d --name insp --network none \
        -e FOO=bar -l app=web --memory 64m -v /srv/data:/data:ro -w /data --hostname hh --stop-signal SIGINT \
        $IMAGE sleep 1000
berth inspect insp >"$NSPAWN_DIR/insp.json"
types_of "$PODMAN_JSON" >"$NSPAWN_DIR/podman.types"
types_of "$NSPAWN_DIR/insp.json" >"$NSPAWN_DIR/berth.types"
check "berth inspect has podman's keys with podman's JSON types" diff -u "$NSPAWN_DIR/podman.types" "$NSPAWN_DIR/berth.types"
insp() { jq -r ".[0] | ($1)" "$NSPAWN_DIR/insp.json"; }
check "... Id is the 64-hex ID" grep -qxE '[0-9a-f]{64}' <<<"$(insp .Id)"
check "... State.Status running, State.Running true" test "$(insp '.State.Status,.State.Running' | tr '\n' ' ')" = "running true "
check "... State.Pid a number > 0" test "$(insp '.State.Pid')" -gt 0
check "... Path sleep, Args [1000]" test "$(insp '.Path,.Args[0]' | tr '\n' ' ')" = "sleep 1000 "
check "... HostConfig.Memory 67108864 (a number)" test "$(insp '.HostConfig.Memory|tojson')" = 67108864
check "... HostConfig.NetworkMode none" test "$(insp .HostConfig.NetworkMode)" = none
check "... Config.Env has FOO=bar (for root)" test "$(insp '.Config.Env|any(. == "FOO=bar")')" = true
check "... Config.Labels.app web" test "$(insp .Config.Labels.app)" = web
check "... Config.Hostname hh, WorkingDir /data, StopSignal SIGINT" \
        test "$(insp '.Config.Hostname,.Config.WorkingDir,.Config.StopSignal' | tr '\n' ' ')" = "hh /data SIGINT "
check "... Config.Entrypoint null (none given)" test "$(insp .Config.Entrypoint)" = null
check "... Mounts[0]: a read-only bind of /srv/data on /data" \
        test "$(insp '.Mounts[0]|"\(.Type) \(.Source) \(.Destination) \(.RW)"')" = "bind /srv/data /data false"
check "... no \"infinity\" anywhere" bash -c '! grep -q infinity "$1"' _ "$NSPAWN_DIR/insp.json"
check "... numbers only where a number is (TasksMax of the unit: a number or null)" \
        bash -c 'jq -e ".[0].Unit.TasksMax | type == \"number\" or type == \"null\"" "$1" >/dev/null' _ "$NSPAWN_DIR/insp.json"
check "berth stop insp" berth stop -t 1 insp
berth inspect insp >"$NSPAWN_DIR/insp.json"
check "... an exited container: State.Status exited, Running false, Pid 0" \
        test "$(insp '.State.Status,.State.Running,.State.Pid' | tr '\n' ' ')" = "exited false 0 "
check "... its FinishedAt is a time, not Go's zero one" bash -c '[[ "$1" == 20* ]]' _ "$(insp .State.FinishedAt)"
types_of "$NSPAWN_DIR/insp.json" >"$NSPAWN_DIR/berth.types"
check "... still podman's keys and types" diff -u "$NSPAWN_DIR/podman.types" "$NSPAWN_DIR/berth.types"
check "berth rm insp" berth rm insp

# --restart and --cpus as Docker reports them, while the unit runs and from the record after it ended
check "berth run -d --cpus 0.5 --restart on-failure:3" berth run -d --name rp --cpus 0.5 --restart on-failure:3 \
        $IMAGE sleep 1000
berth inspect rp >"$NSPAWN_DIR/insp.json"
check "... RestartPolicy on-failure with MaximumRetryCount 3, NanoCpus 500000000" \
        test "$(insp '.HostConfig.RestartPolicy.Name,.HostConfig.RestartPolicy.MaximumRetryCount,.HostConfig.NanoCpus' | tr '\n' ' ')" = "on-failure 3 500000000 "
check "berth stop rp" berth stop -t 1 rp
berth inspect rp >"$NSPAWN_DIR/insp.json"
check "... the same once it has exited" \
        test "$(insp '.State.Status,.HostConfig.RestartPolicy.Name,.HostConfig.RestartPolicy.MaximumRetryCount,.HostConfig.NanoCpus' | tr '\n' ' ')" = "exited on-failure 3 500000000 "
check "berth rm rp" berth rm rp
check "berth run -d --restart unless-stopped keeps Docker's name" berth run -d --name rp2 --restart unless-stopped $IMAGE sleep 1000
berth inspect rp2 >"$NSPAWN_DIR/insp.json"
check "... RestartPolicy.Name unless-stopped" test "$(insp .HostConfig.RestartPolicy.Name)" = unless-stopped
check "berth rm -f rp2" berth rm -f rp2

check "no berth-runtime process is left" bash -c '! grep -qx berth-runtime <<<"$1"' _ \
        "$(nspawn_run sh -c 'cat /proc/[0-9]*/comm 2>/dev/null')"
done_testing
