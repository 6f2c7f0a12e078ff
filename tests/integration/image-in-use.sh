#!/bin/bash
# `berth image rm` and `image prune` leave alone the images containers use, running or stopped (a
# failed berth-NAME.service that `berth ps -a` lists until `berth rm`), as docker does; -f only
# untags such an image. Under a real systemd (tests/lib/nspawn.sh).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
require_root
command -v systemd-nspawn >/dev/null || skip_all "systemd-nspawn is missing (package systemd-container)"
[ -x "$BERTH_BUILD/berth" ] || skip_all "$BERTH_BUILD/berth is not built"

nspawn_prepare
mkdir -p "$NSPAWN_DIR/storage" "$NSPAWN_DIR/etc-berth"
make_busybox_tar "$NSPAWN_DIR/busybox.tar"
# three images (one layer, three configs)
for name in localhost/stopped localhost/running localhost/byid; do
        check "import $name before boot" env BERTH_STORAGE_DIR="$NSPAWN_DIR/storage" "$BERTH_BUILD/berth" image import \
                -c "LABEL which=${name#localhost/}" "$NSPAWN_DIR/busybox.tar" "$name"
done
NSPAWN_STORAGE=$NSPAWN_DIR/storage NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
unit_gone() { [ "$(nspawn_run systemctl show -P LoadState "$1")" = not-found ]; }
image_id() { berth image inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])'; }
has_image() { berth images -q --no-trunc | grep -qx "$1"; }
no_image() { ! has_image "$1"; }

# --- a stopped container: it failed, and its unit stays until berth rm ---
berth run --name quit localhost/stopped sh -c 'exit 3' >/dev/null 2>&1
check_output "the failed container is listed by ps -a" "Exited (3)" berth ps -a
stopped_id=$(image_id localhost/stopped)
check_output "image rm of its image is refused, naming the container" \
        "in use by container quit (stopped); remove it first or use --force" berth image rm localhost/stopped
check_output "... and the image keeps its name" "localhost/stopped" berth images
check_output "rmi by id is refused too" "in use by container quit (stopped)" berth rmi "$stopped_id"
berth image tag localhost/stopped localhost/alias >/dev/null
check_output "untagging one of several names is no conflict" "Untagged: localhost/alias:latest" berth image rm localhost/alias
check_output "image rm -f only untags it" "Untagged: localhost/stopped:latest" berth image rm -f localhost/stopped
check "... the image stays" has_image "$stopped_id"

# --- a stopped container that names its image by id: the image may lose every name ---
byid=$(image_id localhost/byid)
berth run --name byid "$byid" sh -c 'exit 4' >/dev/null 2>&1
check_output "a container started by image id" "Exited (4)" berth ps -a
check_output "image rm -f of its image's last name only untags it" "Untagged: localhost/byid:latest" \
        berth image rm -f localhost/byid
out=$(berth image prune)
check "image prune keeps the nameless image the stopped container uses" has_image "$byid"
check "... and does not list it" bash -c '[[ "$1" != *"$2"* ]]' _ "$out" "$byid"

# --- a running container ---
check_output "run a detached container" "busy" berth run -d --name busy localhost/running sleep 1000
check_output "image rm of a running container's image is refused" "in use by container busy (running)" \
        berth image rm localhost/running
check "... and the image is still there" has_image "$(image_id localhost/running)"
check "stop it" berth stop -t 1 busy
check "... its unit goes (it ended as asked)" wait_until 10 unit_gone berth-busy.service
check_output "... the exited container keeps its image until berth rm" "in use by container busy (stopped)" \
        berth image rm localhost/running
check "berth rm busy" berth rm busy
check_output "once the container is gone, image rm deletes the image" "Deleted: sha256:" berth image rm localhost/running

# --- removing the stopped containers frees their images ---
check "berth rm quit byid" berth rm quit byid
check "... their units are gone" wait_until 10 unit_gone berth-byid.service
check_output "image prune now deletes the nameless image" "Deleted: $byid" berth image prune
check "... it is gone" no_image "$byid"

done_testing
