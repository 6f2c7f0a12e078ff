#!/bin/bash
# berth rename, cp and attach under a booted systemd, on busybox and on a glibc image of Debian's
# programs (tests/lib/real-image.sh). rename: a stopped container's record, writable layer and
# environment file take the new name, its ID stays, a running one and a taken or invalid name are
# refused. cp: CONTAINER:PATH on either side and `-` tar streams, into and out of running and exited
# containers, modes and owners (-a), and a symlink pointing out of the container that must resolve
# inside it. attach: a running container's output live, signals passed on, its exit code.
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
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
unit_prop() { nspawn_run systemctl show -P "$2" "$1"; }
unit_gone() { [ "$(unit_prop "$1" LoadState)" = not-found ]; }
ps_a_has() { berth ps -a | grep -E "$1" | grep -q " $2\$"; }
ps_a_lacks() { ! berth ps -a | grep -q " $1\$"; }
id_of() { berth ps -a --format json | jq -r ".[] | select(.Names == \"$1\") | .ID"; }

# --- rename ---
check "berth run -d a container that writes to its root and exits" \
        berth run -d --name old -e KEPT=yes $IMAGE sh -c 'echo "run $KEPT" >>/runs; cat /runs'
check "... ends" wait_until 20 ps_a_has 'Exited \(0\)' old
old_id=$(id_of old)
check "berth rename old new" berth rename old new
check "... ps -a lists new" ps_a_has 'Exited \(0\)' new
check "... and no longer old" ps_a_lacks old
check "... the ID stays" test "$(id_of new)" = "$old_id"
check "... the record is new.json" nspawn_run test -s /var/lib/berth/containers/new.json
check "... old.json is gone" nspawn_run test ! -e /var/lib/berth/containers/old.json
check "... the writable layer moved" nspawn_run test -s /var/lib/berth/containers/new/upper/runs
check "... the environment file moved" nspawn_run test -e /run/berth/private/berth-new.service.env
check "... the old one is gone" nspawn_run test ! -e /run/berth/private/berth-old.service.env
check "berth start new" berth start new
second_run() { nspawn_run journalctl -q -o cat -u berth-new.service | grep -q "run yes"; }
check "... runs as berth-new.service, on the same layer, with its environment" wait_until 20 second_run
check "... ends again" wait_until 20 ps_a_has 'Exited \(0\)' new
check "... its layer has both runs" test "$(nspawn_run cat /var/lib/berth/containers/new/upper/runs | wc -l)" -eq 2
check "an ID prefix still finds it" test "$(berth inspect -f '{{.Name}}' "${old_id:0:12}")" = new
check "berth container rename works too (by ID prefix)" berth container rename "${old_id:0:12}" newer
check "... ps -a lists newer" ps_a_has 'Exited' newer
check_output "renaming to an invalid name is refused" "Invalid container name" berth rename newer 'a/b'
check "berth run -d a running container" berth run -d --name busy $IMAGE sleep 1000
check_output "renaming to a taken name is refused" "already in use" berth rename newer busy
check_output "renaming a running container says to stop it first" "stop it first" berth rename busy idle
check "... it still runs under its name" ps_a_has 'Up ' busy
check_output "renaming a missing container says No such container" "No such container" berth rename nosuch x
check "berth rm newer" berth rm newer
check "... no layer is left behind" nspawn_run test ! -e /var/lib/berth/containers/newer
check "berth run -d the glibc image" berth run -d --name gold localhost/glibc python3 -c 'print("glibc ran")'
check "... ends" wait_until 20 ps_a_has 'Exited \(0\)' gold
check "berth rename gold gnew" berth rename gold gnew
check "berth start gnew" berth start gnew
glibc_again() { nspawn_run journalctl -q -o cat -u berth-gnew.service | grep -q "glibc ran"; }
check "... the glibc container runs as berth-gnew.service" wait_until 20 glibc_again
check "berth rm -f gnew" berth rm -f gnew

#CP#

#ATTACH#

check "berth rm -f busy" berth rm -f busy
check "no berth-runtime process is left" bash -c '! grep -qx berth-runtime <<<"$1"' _ \
        "$(nspawn_run sh -c 'cat /proc/[0-9]*/comm 2>/dev/null')"
done_testing
