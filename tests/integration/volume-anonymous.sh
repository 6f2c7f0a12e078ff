#!/bin/bash
# Anonymous volumes of generator-made units and compose services under a real systemd (the nspawn
# harness), on busybox and on the Debian glibc image (tests/lib/real-image.sh):
#   Volume=/data, Mount=type=volume,destination=/m   berth-runtime makes a 64-hex volume labelled
#                  com.docker.volume.anonymous when the unit starts; a restart keeps it, a stop
#                  removes it (and no mount of it is left)
#   compose "- /data"   kept with the project across down and up (Docker reuses a service's anonymous
#                  volumes when it recreates the container), removed by down -v
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
. "$(dirname "$0")/../lib/real-image.sh"

nspawn_prepare
deb_tar=$(real_image_debian_tar) && rc=0 || rc=$?
tap_result $rc "a debootstrap bookworm root (cached in $REAL_IMAGE_CACHE)"
[ $rc -eq 0 ] || { done_testing; exit 1; }
nspawn_import_image localhost/busybox
check "import the Debian image" env BERTH_STORAGE_DIR="$NSPAWN_STORAGE" "$BERTH_BUILD/berth" image import \
        "$deb_tar" localhost/debian

ETC=$NSPAWN_DIR/etc-berth PROJECT=$NSPAWN_DIR/anon
mkdir -p "$ETC" "$PROJECT"
for img in busybox debian; do
        cat >"$ETC/$img.container" <<EOF2
[Container]
Image=localhost/$img
Volume=/data
Mount=type=volume,destination=/m
StopSignal=SIGKILL
Exec=/bin/sh -c 'echo $img >>/data/log; echo m >/m/f; exec sleep 1000'
EOF2
done
cat >"$PROJECT/compose.yaml" <<'EOF2'
services:
  web:
    image: localhost/debian
    command: ["/bin/sh", "-c", "echo up >>/data/log; exec sleep 1000"]
    stop_signal: SIGKILL
    volumes:
      - /data
EOF2
NSPAWN_ETC_BERTH=$ETC
nspawn_boot --bind="$PROJECT:/srv/anon" && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

in_sd() { nspawn_run_timeout 120 "$@"; }
active() { [ "$(in_sd systemctl is-active "$1")" = active ]; }
# the volume berth-runtime names for container $1 at $2 (anonymous_volume_name())
volname() { printf 'berth-anonymous-volume:%s:%s' "$1" "$2" | sha256sum | cut -c1-64; }
vol_lines() { in_sd cat "/var/lib/berth/volumes/$1/_data/log" | wc -l; }
vol_exists() { in_sd berth volume inspect "$1" >/dev/null 2>&1; }
# no process (the containers are in mount namespaces of their own) has a mount of it
unmounted() { ! in_sd sh -c 'grep -qF "$0" /proc/[0-9]*/mountinfo' "$1"; }

for img in busybox debian; do
        data=$(volname "$img" /data) m=$(volname "$img" /m)
        check "$img: the unit with Volume=/data starts" in_sd systemctl start "$img.service"
        check "$img: ... and runs" wait_until 30 active "$img.service"
        check "$img: its volume at /data exists while it runs" vol_exists "$data"
        check_output "$img: ... labelled as Docker's anonymous volumes are" com.docker.volume.anonymous \
                in_sd berth volume inspect "$data"
        check_output "$img: ... and the container wrote into it" "$img" in_sd cat "/var/lib/berth/volumes/$data/_data/log"
        check "$img: ... mounted in the container" eval '! unmounted "$data"'
        check_output "$img: Mount=type=volume without a source is one too" m in_sd cat "/var/lib/berth/volumes/$m/_data/f"
        check "$img: restart the unit" in_sd systemctl restart "$img.service"
        check "$img: ... it runs again" wait_until 30 active "$img.service"
        two_runs() { [ "$(vol_lines "$data")" -eq 2 ]; }
        check "$img: ... on the same volume (it holds both runs' lines)" wait_until 10 two_runs
        check "$img: stop the unit" in_sd systemctl stop "$img.service"
        check "$img: its anonymous volumes are gone after the stop" eval '! vol_exists "$data" && ! vol_exists "$m"'
        check "$img: ... and nothing of them is mounted" unmounted "$data"
        check "$img: start it again" in_sd systemctl start "$img.service"
        one_run() { [ "$(vol_lines "$data")" -eq 1 ]; }
        check "$img: ... on a new, empty volume" wait_until 10 one_run
        check "$img: stop it" in_sd systemctl stop "$img.service"
        check "$img: ... the volume is gone again" eval '! vol_exists "$data"'
done

# --- compose: "- /data" -----------------------------------------------------------------------------
compose() { in_sd sh -c 'cd /srv/anon && exec berth compose "$@"' compose "$@"; }
data=$(volname anon-web-1 /data)
check "compose up -d of a service with '- /data'" compose up -d
check "... it runs" wait_until 30 active anon-web-1.service
check "... with an anonymous volume at /data" vol_exists "$data"
check_output "... that it wrote into" up in_sd cat "/var/lib/berth/volumes/$data/_data/log"
check_output "... labelled as Docker's anonymous volumes are" com.docker.volume.anonymous \
        in_sd berth volume inspect "$data"
check "compose down" compose down
check "... keeps the volume with the project" vol_exists "$data"
check "... and nothing of it is mounted" unmounted "$data"
check "compose up -d again" compose up -d
check "... it runs" wait_until 30 active anon-web-1.service
two_ups() { [ "$(vol_lines "$data")" -eq 2 ]; }
check "... on the same volume" wait_until 10 two_ups
check "compose down -v" compose down -v
check "... removes it" eval '! vol_exists "$data"'
check "... and nothing of it is mounted" unmounted "$data"
no_volumes() { [ -z "$(in_sd berth volume ls -q)" ]; }
check "no volume is left" no_volumes

done_testing
