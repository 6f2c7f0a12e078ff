#!/bin/bash
# The org.berth1 API under a real systemd, dbus-daemon and polkitd (nspawn): every Manager method
# through busctl, checked against systemd's and the CLI's view; a python3-dbus client following a
# pull from a registry inside the container and a container's State through PropertiesChanged; an
# unprivileged user refused mutating calls until a polkit rule grants the action; bad arguments, a
# client leaving mid-call and a flood, after which berthd still answers with as many fds as before.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/registry.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
require_root
command -v docker-registry >/dev/null || skip_all "docker-registry is not installed (tests/packages.txt)"
command -v skopeo >/dev/null || skip_all "skopeo is not installed (tests/packages.txt)"
[ -e /usr/share/polkit-1/actions ] || skip_all "polkitd is not installed (tests/packages.txt)"
(cd / && /usr/bin/python3 -c 'import dbus.mainloop.glib') 2>/dev/null || skip_all "python3-dbus is not installed (tests/packages.txt)"

M=(org.berth1 /org/berth1 org.berth1.Manager)
C=org.berth1.Container
as_nobody() { nspawn_run setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
bus() { nspawn_run_timeout 60 busctl "$@"; }
call() { nspawn_run_timeout 60 busctl call -- "${M[@]}" "$@"; }

nspawn_prepare
trap 'stop_registries; nspawn_stop' EXIT
REG=$NSPAWN_DIR/reg
mkdir -p "$REG"
make_busybox_tar "$NSPAWN_DIR/bb.tar"
make_oci_layout "$NSPAWN_DIR/oci" "$NSPAWN_DIR/bb.tar" >/dev/null
start_registry "$NSPAWN_DIR/seed" || { echo "not ok 1 - the seeding registry starts"; exit 1; }
seed_registry "$REGISTRY" "$NSPAWN_DIR/oci" test/busybox latest
stop_registries
mv "$NSPAWN_DIR/seed/data" "$REG/data"
cat >"$REG/config.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: /srv/reg/data}
http: {addr: 127.0.0.1:5000}
EOC
cp "$NSPAWN_DIR/bb.tar" "$REG/bb.tar"
nspawn_import_image localhost/busybox

nspawn_boot --bind="$REG:/srv/reg" --bind-ro="$NSPAWN_TOP/tests:/srv/tests" && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

unit_prop() { nspawn_run systemctl show -P "$2" "$1"; }
prop() { bus get-property org.berth1 "/org/berth1/container/$1" $C "$2"; }
gone() { ! nspawn_run systemctl is-active --quiet "$1"; }

# --- containers --------------------------------------------------------------------------------------
check_output "RunContainer answers the container's object once its start job is done" \
        'o "/org/berth1/container/web"' \
        call RunContainer ssasasa{sv} web localhost/busybox 2 sleep 1000 1 --memory=64M 1 label s app=web
check "... it runs as berth-web.service" nspawn_run systemctl is-active --quiet berth-web.service
check_output "... with the option as a unit property" "67108864" unit_prop berth-web.service MemoryMax
check_output "... the a{sv} setting reached the runtime" "--label=app=web" unit_prop berth-web.service ExecStart
check_output "... and berth ps shows it" "web" nspawn_run berth ps
check_output "State is running" 's "running"' prop web State
check_output "Unit" 's "berth-web.service"' prop web Unit
check_output "Image" 's "localhost/busybox"' prop web Image
check_output "MainPID is systemd's" "u $(unit_prop berth-web.service MainPID)" prop web MainPID
check_output "Id is the unit's invocation" "$(unit_prop berth-web.service InvocationID)" prop web Id
check_output "ListContainers lists it, running" '"web" "running" "berth-web.service" "/org/berth1/container/web"' \
        call ListContainers
check_output "GetContainer" 'o "/org/berth1/container/web"' call GetContainer s web
check_output "the object is in the tree" "/org/berth1/container/web" bus tree org.berth1
check_output "GetContainer of an unknown one: NoSuchContainer" "No such container: 'nope'" call GetContainer s nope
check_output "RunContainer with a name in use: ContainerExists" "already in use" \
        call RunContainer ssasasa{sv} web localhost/busybox 1 true 0 0
check_output "RunContainer with an unknown option: InvalidOption" "Unknown option '--bogus'" \
        call RunContainer ssasasa{sv} x1 localhost/busybox 1 true 1 --bogus=1 0
check_output "RunContainer with a bad value: the option check's own message" "Invalid value 'lots' for --memory: expected" \
        call RunContainer ssasasa{sv} x1 localhost/busybox 1 true 1 --memory=lots 0
check_output "RunContainer with a missing image: NoSuchImage" "not in the image store" \
        call RunContainer ssasasa{sv} x1 localhost/none 1 true 0 0
check_output "RunContainer with a bad name" "Invalid container name" \
        call RunContainer ssasasa{sv} ../x localhost/busybox 1 true 0 0
check_output "RunContainer with a setting of the wrong type" "takes a string" \
        call RunContainer ssasasa{sv} x1 localhost/busybox 1 true 0 1 memory u 5
check "KillContainer with SIGCONT" call KillContainer si web 18
check_output "KillContainer with signal 0: InvalidArgs" "Invalid signal" call KillContainer si web 0
check_output "KillContainer with signal 99999: InvalidArgs" "Invalid signal" call KillContainer si web 99999
pid1=$(unit_prop berth-web.service MainPID)
check "RestartContainer" call RestartContainer s web
check "... a new main process" test "$(unit_prop berth-web.service MainPID)" != "$pid1"
check_output "RemoveContainer of a running one without force: ContainerRunning" "is running" \
        call RemoveContainer sb web false
check "Stop on the container object, 2 s before SIGKILL" \
        bus call org.berth1 /org/berth1/container/web $C Stop u 2
check "... the unit is gone (reset and collected)" gone berth-web.service
check_output "... the container stays, exited, as berth run's do (its record)" '"exited"' \
        bus get-property org.berth1 /org/berth1/container/web $C State
check_output "... ListContainers lists it" '"web" "exited"' call ListContainers
check "... StartContainer makes its unit again from the record" call StartContainer s web
check "... it runs" nspawn_run systemctl is-active --quiet berth-web.service
check "... RemoveContainer with force" call RemoveContainer sb web true
check "... its record is gone" nspawn_run test ! -e /var/lib/berth/containers/web.json
check_output "... GetContainer says so" "No such container" call GetContainer s web

picked_path=$(call RunContainer ssasasa{sv} "" localhost/busybox 2 sleep 1000 0 0)
check "RunContainer with an empty name picks a docker-like one" grep -qE '^o "/org/berth1/container/[a-z]+_5f[a-z]+"$' <<<"$picked_path"
name=${picked_path##*/}; name=${name%\"}; name=${name/_5f/_} # sd_bus_path_encode()d
picked=berth-$name.service
check "RemoveContainer with force" call RemoveContainer sb "$name" true
check "... gone" gone "$picked"
check "a container that logs" call RunContainer ssasasa{sv} talker localhost/busybox 3 sh -c "echo hello-from-talker; sleep 1000" 0 0
check_output "ContainerLogs gives an fd to read its journal from" "hello-from-talker" \
        nspawn_run_timeout 30 python3 /srv/tests/integration/dbus-client.py logs talker
check_output "... an unprivileged user must authenticate for it" "Authentication is required" \
        as_nobody timeout 30 python3 /srv/tests/integration/dbus-client.py logs talker
check_output "... Logs() on the object, the same" "hello-from-talker" nspawn_run timeout 30 python3 -c 'import dbus, os
o = dbus.SystemBus().get_object("org.berth1", "/org/berth1/container/talker")
print(os.fdopen(o.Logs(dbus_interface="org.berth1.Container").take()).read())'
check "RemoveContainer talker" call RemoveContainer sb talker true
check "berth run -d --name cli" nspawn_run berth run -d --name cli localhost/busybox sleep 1000
check_output "... State running" 's "running"' prop cli State
check "... StopContainer with the unit's own timeout" call StopContainer su cli 4294967295
check "... stopped" gone berth-cli.service

# --- the python client: State changes, pulls, imports -------------------------------------------------
out=$(nspawn_run_timeout 90 python3 /srv/tests/integration/dbus-client.py states short localhost/busybox "sleep 2" 2>&1)
check_output "PropertiesChanged: State created -> running" $'state created\nstate running\n' echo "$out"
check_output "... then, once the command ended, exited" $'state exited' echo "$out"
check_output "... the first State announced is created, not exited" "state created" head -1 <<<"$out"

check "start the registry inside" nspawn_run systemd-run -q --unit=test-registry docker-registry serve /srv/reg/config.yml
registry_up() { nspawn_run curl -sf -o /dev/null "http://127.0.0.1:5000/v2/"; }
check "the registry answers" wait_until 30 registry_up
out=$(nspawn_run_timeout 90 python3 /srv/tests/integration/dbus-client.py pull 127.0.0.1:5000/test/busybox:latest \
        --tls-verify=false 2>&1)
check_output "a pull's transfer ends with done" "result done" echo "$out"
check_output "... its log lines arrive as LogMessage" "pull complete" echo "$out"
check_output "... and its progress reaches 1" "progress 1.00" echo "$out"
check_output "... the image is in the store" "127.0.0.1:5000/test/busybox" nspawn_run berth image ls
out=$(nspawn_run_timeout 90 python3 /srv/tests/integration/dbus-client.py pull 127.0.0.1:5000/test/nothing:latest \
        --tls-verify=false 2>&1)
check_output "a pull of a missing image ends with failed" "result failed" echo "$out"
out=$(nspawn_run_timeout 90 python3 /srv/tests/integration/dbus-client.py import /srv/reg/bb.tar localhost/imported 2>&1)
check_output "ImportImage from an fd ends with done" "result done" echo "$out"
check_output "... and the image is in the store" "localhost/imported" nspawn_run berth image ls
check_output "PullImage refuses other options" "is not accepted" call PullImage sas x 1 --authfile=/etc/shadow
check_output "CancelTransfer of no transfer" "No transfer" call CancelTransfer u 12345

# --- images, volumes, networks -----------------------------------------------------------------------
check_output "GetImage" 'o "/org/berth1/image/' call GetImage s localhost/busybox
ipath=$(call GetImage s localhost/busybox | awk '{print $2}' | tr -d '"')
check_output "an image object's Names" "localhost/busybox:latest" bus get-property org.berth1 "$ipath" org.berth1.Image Names
check "TagImage" call TagImage ss localhost/busybox localhost/another
check_output "... the CLI sees the name" "localhost/another" nspawn_run berth image ls
check "RemoveImage" call RemoveImage sb localhost/another false
image_listed() { nspawn_run berth image ls | grep -q "$1"; }
check_fails "... the CLI no longer does" image_listed localhost/another
check_output "RemoveImage of a missing one: the CLI's message" "No such image: localhost/none" call RemoveImage sb localhost/none false
check_output "GetImage of a missing one: NoSuchImage" "No such image" call GetImage s localhost/none
check "CreateVolume" call CreateVolume sas vol1 1 --label=a=b
check_output "... ListVolumes" '"vol1"' call ListVolumes
check_output "... InspectVolume: what the CLI prints" '\"Name\": \"vol1\"' call InspectVolume s vol1
check "RemoveVolume" call RemoveVolume sb vol1 false
check_output "... gone" 'as 0' call ListVolumes
check "CreateNetwork" call CreateNetwork sas net1 1 --subnet=10.99.0.0/24
check_output "... ListNetworks" '"net1"' call ListNetworks
check_output "... InspectNetwork" "10.99.0.0/24" call InspectNetwork s net1
check "RemoveNetwork" call RemoveNetwork s net1
check_output "CreateVolume with a name that is an option" "Invalid volume" call CreateVolume sas --force 0

# --- authorization -------------------------------------------------------------------------------------
check_output "an unprivileged user may list containers" "a(ssso)" as_nobody busctl call "${M[@]}" ListContainers
check_output "... read a container's properties" "s" as_nobody busctl get-property org.berth1 /org/berth1/container/short Name
check_output "... but not run one (polkit asks for authentication)" "Authentication is required for org.berth1.manage-containers" \
        as_nobody busctl call "${M[@]}" RunContainer ssasasa{sv} evil localhost/busybox 1 true 0 0
refused() { as_nobody busctl call "${M[@]}" "$@" 2>&1 | grep -q 'Authentication is required'; }
check "... nor remove an image" refused RemoveImage sb localhost/busybox true
check "... nor create a volume" refused CreateVolume sas v 0
check "... and nothing ran" gone berth-evil.service
check_output "... the image is still there" "localhost/busybox" nspawn_run berth image ls
nspawn_run sh -c 'cat >/etc/polkit-1/rules.d/50-berth-test.rules' <<'EOF2'
polkit.addRule(function(action, subject) {
        if (action.id == "org.berth1.manage-containers" && subject.user == "nobody" &&
            action.lookup("verb") == "run")
                return polkit.Result.YES;
});
EOF2
rule_loaded() { as_nobody busctl call "${M[@]}" RunContainer ssasasa{sv} granted localhost/busybox 2 sleep 1000 0 0; }
check "with a polkit rule granting the action, the same user may run one" wait_until 20 rule_loaded
check "... it runs" nspawn_run systemctl is-active --quiet berth-granted.service
check_output "... but still may not stop it (the rule grants run only)" "Authentication is required" \
        as_nobody busctl call "${M[@]}" StopContainer su granted 0
check_output "... nor through the container's object" "Authentication is required" \
        as_nobody busctl call org.berth1 /org/berth1/container/granted $C Stop u 0
check "root may" call StopContainer su granted 0

# --- robustness -------------------------------------------------------------------------------------------
bpid=$(unit_prop berthd.service MainPID)
fds() { nspawn_run ls "/proc/$bpid/fd" | wc -l; }
fds_before=$(fds)
check_output "wrong argument types" "Invalid arguments 'ss'" \
        nspawn_run busctl call "${M[@]}" StopContainer ss web web
check_output "an absurd timeout is fine" "No such container" call StopContainer su nope 4294967294
long=$(head -c 5000 /dev/zero | tr '\0' a)
check_output "an absurd name" "No such container" call GetContainer s "$long"
check_output "an absurd option list" "" call RunContainer ssasasa{sv} x2 localhost/busybox 0 3 --a --b --c 0
# A client that leaves while its call waits for systemd: berthd answers nobody, and goes on.
nspawn_run timeout -s KILL 0.3 busctl call "${M[@]}" RunContainer ssasasa{sv} leaver localhost/busybox 2 sleep 1000 0 0
check "a client that left mid-call: the container still starts" wait_until 20 \
        nspawn_run systemctl is-active --quiet berth-leaver.service
call RemoveContainer sb leaver true >/dev/null
check_output "a flood of 1000 calls, left half-answered" "answered" \
        nspawn_run_timeout 120 python3 /srv/tests/integration/dbus-client.py flood 1000
# A bounded fuzz of the Manager's methods: as root, without what would change the host for real or
# reach out (pull, create, tag, import); as nobody, everything (refused by polkit after the checks).
check_output "a fuzz of 400 calls as root" "calls 400" nspawn_run_timeout 300 python3 /srv/tests/integration/dbus-client.py \
        fuzz 400 "${BERTH_FUZZ_SEED:-13}" PullImage CreateVolume CreateNetwork TagImage ImportImage \
        BuildImage ComposeUp ComposeDown
check_output "a fuzz of 400 calls as nobody" "calls 400" as_nobody timeout 300 python3 /srv/tests/integration/dbus-client.py \
        fuzz 400 "${BERTH_FUZZ_SEED:-13}"
check_output "berthd still answers" 's "pong"' call Ping
check "... is the same process" test "$(unit_prop berthd.service MainPID)" = "$bpid"
settle() { [ "$(fds)" -le "$fds_before" ]; }
check "... and holds no more fds than before ($fds_before)" wait_until 20 settle
check_output "... and the introspection data lists every method" "RunContainer" bus introspect org.berth1 /org/berth1
# Every member the introspection data shows is documented in org.berth1(5).
undocumented() { # PATH INTERFACE
        local name names missing=
        names=$(bus introspect org.berth1 "$1" "$2" | awk '$1 ~ /^\./ {print substr($1, 2)}')
        [ -n "$names" ] || { echo "no members of $2 on $1"; return 1; }
        for name in $names; do
                grep -E '^\.(B|BR|TQ|TP)' "$NSPAWN_TOP/man/org.berth1.5" | grep -qw -- "$name" || missing+=" $name"
        done
        [ -z "$missing" ] || { echo "undocumented:$missing"; return 1; }
}
check "org.berth1(5) documents every member of the Manager" undocumented /org/berth1 org.berth1.Manager
call RunContainer ssasasa{sv} doc localhost/busybox 2 sleep 1000 0 0 >/dev/null
check "... of a container" undocumented /org/berth1/container/doc $C
check "... of an image" undocumented "$ipath" org.berth1.Image
call RemoveContainer sb doc true >/dev/null
berthd_log_clean() { ! nspawn_journal -u berthd.service | grep -E 'runtime error|AddressSanitizer|LeakSanitizer'; }
check "berthd logged no sanitizer reports" berthd_log_clean

done_testing
