#!/bin/bash
# org.berth1's compose and build methods under a real systemd, dbus-daemon and polkitd (nspawn):
# ComposeUp, ComposePs and ComposeDown by project file, answered once berth compose is done, checked
# against systemd's and the CLI's view; BuildImage from a directory fd as a Transfer whose LogMessage
# lines carry the build's steps and whose progress reaches 1; errors and polkit as for the other
# verbs. The build is FROM a glibc image (tests/lib/real-image.sh), the project busybox. (No RUN
# step: the nspawn container allows no device filter, and berth-runtime refuses a RUN without one.)
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
call() { nspawn_run_timeout 120 busctl --timeout=120 call -- "${M[@]}" "$@"; }
client() { nspawn_run_timeout 120 python3 /srv/tests/integration/dbus-client.py "$@"; }

nspawn_prepare
glibc_tar=$(real_image_host_tar) || { echo "not ok 1 - a glibc image"; exit 1; }
real_image_extract "$glibc_tar" "$NSPAWN_DIR/glibc-root"
nspawn_import_image localhost/busybox
nspawn_import_image localhost/glibc "$NSPAWN_DIR/glibc-root"
P=$NSPAWN_DIR/proj
mkdir -p "$P/ctx"
cat >"$P/compose.yaml" <<'EOC'
services:
  web:
    image: localhost/busybox
    command: sleep 1000
EOC
printf 'services:\n  bad:\n    image: [1, 2]\n' >"$P/bad.yaml"
cat >"$P/ctx/Dockerfile" <<'EOC'
FROM localhost/glibc
COPY hello /hello
ENV BUILT=by-berthd
EOC
echo hello-file >"$P/ctx/hello"

nspawn_boot --bind="$P:/srv/proj" --bind-ro="$NSPAWN_TOP/tests:/srv/tests" && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

# --- compose ------------------------------------------------------------------------------------------
check "ComposeUp answers once the project runs" call ComposeUp sas /srv/proj/compose.yaml 0
web_unit=$(nspawn_run systemctl list-units --plain --no-legend --state=running '*web*' | awk '{print $1}' | head -1)
check "... its service runs as a unit" test -n "$web_unit"
check_output "... berth compose ps shows it" "web" nspawn_run berth compose -f /srv/proj/compose.yaml ps
check_output "ComposePs answers the same table" "web" call ComposePs s /srv/proj/compose.yaml
check_output "ComposeUp with a project berth refuses: berth's own message" "bad" \
        call ComposeUp sas /srv/proj/bad.yaml 0
check_output "ComposeUp of a relative path" "expected an absolute path" call ComposeUp sas compose.yaml 0
check_output "ComposeUp of a missing file" "not a file berthd can read" call ComposeUp sas /srv/none.yaml 0
check_output "ComposeUp refuses other options" "is not accepted" call ComposeUp sas /srv/proj/compose.yaml 1 --env-file=/etc/shadow
check_output "an unprivileged user must authenticate for ComposeDown" "Authentication is required" \
        as_nobody busctl call "${M[@]}" ComposeDown sas /srv/proj/compose.yaml 0
check_output "... and for ComposePs (berth reads the file as root)" "Authentication is required" \
        as_nobody busctl call "${M[@]}" ComposePs s /etc/shadow
check "... the project still runs" nspawn_run systemctl is-active --quiet "$web_unit"
check "ComposeDown" call ComposeDown sas /srv/proj/compose.yaml 0
check_fails "... its unit is gone" nspawn_run systemctl is-active --quiet "$web_unit"

# --- build --------------------------------------------------------------------------------------------
out=$(client build /srv/proj/ctx localhost/built 2>&1)
check_output "BuildImage's transfer ends with done" "result done" echo "$out"
check_output "... its steps arrive as LogMessage" "log STEP 2/3: COPY hello /hello" echo "$out"
check_output "... its progress moves with the steps" "progress 0.32" echo "$out"
check_output "... and reaches 1" "progress 1.00" echo "$out"
check_output "... the image is in the store" "localhost/built" nspawn_run berth image ls
check_output "... with what COPY and ENV made" "by-berthd hello-file" \
        nspawn_run_timeout 60 berth run --rm localhost/built sh -c 'echo $BUILT $(cat /hello)'
out=$(client build /srv/proj/ctx localhost/broken --file=/srv/proj/compose.yaml 2>&1)
check_output "a build that fails ends with failed" "result failed" echo "$out"
check_output "BuildImage of a file, not a directory" "must be a directory" \
        nspawn_run_timeout 30 python3 -c 'import dbus; m = dbus.Interface(dbus.SystemBus().get_object("org.berth1", "/org/berth1"), "org.berth1.Manager")
try: m.BuildImage(dbus.types.UnixFd(open("/srv/proj/compose.yaml")), ["x"], dbus.Array([], signature="s"))
except dbus.exceptions.DBusException as e: print(e)'
check_output "an unprivileged user must authenticate for BuildImage" "Authentication is required for org.berth1.manage-images" \
        as_nobody timeout 60 python3 /srv/tests/integration/dbus-client.py build /srv/proj/ctx localhost/evil

berthd_log_clean() { ! nspawn_journal -u berthd.service | grep -E 'runtime error|AddressSanitizer|LeakSanitizer'; }
check "berthd logged no sanitizer reports" berthd_log_clean

done_testing
