#!/bin/bash
# The CLI through berthd (cli/berthd-client.c) under a real systemd, dbus-daemon and polkitd: root's
# run -d, stop, start, rm, rm -f, volume and network create/rm, tag and pull go to berthd, which the
# bus activates for them, with the errors and exit codes berth prints when it does the work itself. A
# user other than root is refused `berth stop` with polkit's message, and may once a polkit rule
# grants it (systemd itself would refuse that user). run -d through berthd keeps the container's
# record, on busybox and on the Debian image: it stays after it exits, starts again, goes with rm.
# With org.berth1 not activatable, root's berth does the work itself and other users are told.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
. "$(dirname "$0")/../lib/real-image.sh"

[ -e /usr/share/polkit-1/actions ] || skip_all "polkitd is not installed (tests/packages.txt)"
IMAGE=localhost/busybox
nspawn_prepare
deb_tar=$(real_image_debian_tar) && rc=0 || rc=$?
tap_result $rc "a debootstrap bookworm root (cached in $REAL_IMAGE_CACHE)"
nspawn_import_image $IMAGE
BERTH_BUILD=${BERTH_BUILD:-$NSPAWN_TOP/build}
import_debian() { BERTH_STORAGE_DIR=$NSPAWN_STORAGE "$BERTH_BUILD/berth" image import "$deb_tar" localhost/debian; }
check "import the Debian image" import_debian
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
# the same verb done by berth itself, as berthd's own workers do
berth_direct() { nspawn_run_timeout 60 env BERTH_NO_BERTHD=1 berth "$@"; }
as_nobody() { nspawn_run_timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
unit_prop() { nspawn_run systemctl show -P "$2" "$1"; }
unit_gone() { [ "$(unit_prop "$1" LoadState)" = not-found ]; }
unit_active() { nspawn_run systemctl is-active --quiet "$1"; }
berthd_active() { unit_active berthd.service; }
# Stops berthd, runs the command, and succeeds when the command did and the bus activated berthd for it.
via_berthd() {
        nspawn_run systemctl stop berthd.service || return 1
        ! berthd_active || return 1
        "$@" || return 1
        berthd_active
}
# out_and_status CMD...: what it printed (stdout and stderr) and its exit status, for comparing
out_and_status() {
        local out rc
        out=$("$@" 2>&1) && rc=0 || rc=$?
        printf '%s\nexit %s\n' "$out" "$rc"
}
same_as_direct() { # same_as_direct VERB ARGS...: berth through berthd says what berth itself says
        local a b
        a=$(out_and_status berth "$@")
        b=$(out_and_status berth_direct "$@")
        [ "$a" = "$b" ] && [[ "$a" != *"exit 0" ]] && return 0
        printf 'through berthd: %s\nitself: %s\n' "$a" "$b"
        return 1
}
ps_a_has() { berth ps -a | grep -E "$1" | grep -q " $2\$"; }

# --- run -d through berthd keeps the record (busybox, Debian) ---
for img in busybox debian; do
        c=rec-$img
        check "$img: berth run -d goes through berthd" via_berthd \
                berth run -d --name $c localhost/$img sh -c 'echo ran; exit 3'
        check "$img: ... its unit ends and is collected" wait_until 20 unit_gone berth-$c.service
        check "$img: ... ps -a lists it as Exited (3)" wait_until 10 ps_a_has 'Exited \(3\)' $c
        check "$img: ... its record stays" nspawn_run test -s /var/lib/berth/containers/$c.json
        check "$img: berth start goes through berthd" via_berthd berth start $c
        two_runs() { [ "$(berth logs $c | grep -c '^ran$')" -ge 2 ]; }
        check "$img: ... it ran again" wait_until 20 two_runs
        check "$img: ... and ended again" wait_until 20 unit_gone berth-$c.service
        check "$img: berth rm goes through berthd" via_berthd berth rm $c
        check "$img: ... its record is gone" nspawn_run test ! -e /var/lib/berth/containers/$c.json
        check_fails "$img: ... ps -a no longer lists it" ps_a_has . $c
done
check "run -d through berthd with options berthd parses again (-e, -p, --memory, --label)" \
        berth run -d --name opts -e FOO=bar -p 18080:80 --memory 64M --label team=x $IMAGE sleep 1000
check_output "... --memory became MemoryMax=" "67108864" unit_prop berth-opts.service MemoryMax
check_output "... -e reached the container" "FOO=bar" berth exec opts env
check_output "... -p was published" "18080->80/tcp" berth ps
check_output "... the default network was joined, as berth run joins it" "--network=berth" \
        unit_prop berth-opts.service ExecStart

# --- stop, kill, rm -f through berthd ---
check "run -d s1" berth run -d --name s1 $IMAGE sleep 1000
check "berth stop goes through berthd" via_berthd berth stop -t 1 s1
check "... s1 has stopped" wait_until 10 unit_gone berth-s1.service
check "run -d s2" berth run -d --name s2 $IMAGE sleep 1000
check "berth rm -f goes through berthd" via_berthd berth rm -f s2
check "... s2 is gone" unit_gone berth-s2.service
check "... and so is its record" nspawn_run test ! -e /var/lib/berth/containers/s2.json
check "run -d s3" berth run -d --name s3 $IMAGE sleep 1000
check "berth kill goes through berthd" via_berthd berth kill s3
check "... s3 has ended" wait_until 10 unit_gone berth-s3.service

# --- the same errors and exit codes as berth's own ---
check "run -d busy" berth run -d --name busy $IMAGE sleep 1000
check "berth stop of an unknown name: the same message and status" same_as_direct stop nosuch
check "berth rm of a running container without -f: the same" same_as_direct rm busy
check "berth run -d of a name in use: the same (status 125)" same_as_direct run -d --name busy $IMAGE true
check "berth run -d of a missing image: the same" same_as_direct run -d --name x localhost/nonexistent true
check "berth run -d --rm --restart always: the same refusal" same_as_direct run -d --rm --restart always $IMAGE true
check "run -d a container that exits at once" berth run -d --name ended $IMAGE true
check "... it ends" wait_until 20 unit_gone berth-ended.service
check "berth kill of a stopped container: the same" same_as_direct kill ended
check "berth volume rm of an unknown volume: the same" same_as_direct volume rm nosuchvol
berth run -d --name x localhost/nonexistent true >/dev/null 2>&1 && rc=0 || rc=$?
check "berth run -d's own failure through berthd is still docker's 125" test "$rc" -eq 125

# --- volumes, networks, images through berthd ---
check "berth volume create goes through berthd" via_berthd berth volume create --label a=b v1
check_output "... it exists, with its label" '"a": "b"' berth volume inspect v1
check "... creating it again fails, saying so as berth does" same_as_direct volume create v1
check_output "... --ignore: no error, its name" "v1" berth volume create --ignore v1
check "berth volume rm goes through berthd" via_berthd berth volume rm v1
check_fails "... it is gone" berth volume inspect v1
check "berth network create goes through berthd" via_berthd berth network create --subnet 10.98.0.0/24 n1
check_output "... it exists with its subnet" "10.98.0.0/24" berth network inspect n1
check "berth network rm goes through berthd" via_berthd berth network rm n1
check_fails "... it is gone" berth network inspect n1
check "berth image tag goes through berthd" via_berthd berth image tag $IMAGE localhost/retagged
check_output "... the new name is there" "localhost/retagged" berth images
# A registry nobody listens on (loopback inside the container): the pull fails the same way.
pull_fails_via_berthd() { ! via_berthd berth pull --tls-verify=false localhost:1/nope:1 && berthd_active; }
check "berth pull goes through berthd" pull_fails_via_berthd
last_line() { "$@" 2>&1 | tail -1; }
check "... and fails with berth's own last line" \
        test "$(last_line berth pull --tls-verify=false localhost:1/nope:1)" = \
        "$(last_line berth_direct pull --tls-verify=false localhost:1/nope:1)"

# --- a user other than root: polkit decides in berthd ---
check "run -d p1" berth run -d --name p1 $IMAGE sleep 1000
check_output "a user may not stop it without a polkit rule, and is told why" \
        "Authentication is required for org.berth1.manage-containers" as_nobody berth stop p1
check "... it still runs" unit_active berth-p1.service
nspawn_run sh -c 'cat >/etc/polkit-1/rules.d/50-berth-cli.rules' <<'EOF2'
polkit.addRule(function(action, subject) {
        if (action.id == "org.berth1.manage-containers" && subject.user == "nobody" &&
            action.lookup("verb") == "stop")
                return polkit.Result.YES;
});
EOF2
check "with a polkit rule granting stop, the same user may berth stop it" wait_until 20 as_nobody berth stop p1
check "... it has stopped" wait_until 10 unit_gone berth-p1.service
check_output "... but still may not remove it (the rule grants stop only)" "Authentication is required" \
        as_nobody berth rm p1

# --- without berthd: root does it itself, others are told ---
nspawn_run systemctl stop berthd.service
nspawn_run systemctl mask --runtime berthd.service
check_fails "org.berth1 cannot be activated any more" nspawn_run busctl call org.berth1 /org/berth1 org.berth1.Manager Ping
check "root's berth run -d works without berthd" berth run -d --name f1 $IMAGE sleep 1000
check "... it runs" unit_active berth-f1.service
check "... its record is written" nspawn_run test -s /var/lib/berth/containers/f1.json
check "root's berth stop works without berthd" berth stop f1
check "... f1 has stopped" wait_until 10 unit_gone berth-f1.service
check "root's berth volume create works without berthd" berth volume create v2
check "... and rm" berth volume rm v2
check "berthd was not started for any of it" test "$(unit_prop berthd.service ActiveState)" != active
check_output "a user is told berthd is needed" "berthd (org.berth1) is not available" as_nobody berth stop f1

berth rm -f busy opts ended s1 s3 p1 f1 >/dev/null 2>&1
done_testing
