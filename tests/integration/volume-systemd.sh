#!/bin/bash
# Named volumes under a real systemd (the nspawn harness): data.volume becomes data-volume.service,
# which creates the volume at boot before the containers that say Volume=data.volume:/data start.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

nspawn_prepare
ETC=$NSPAWN_DIR/etc-berth
mkdir -p "$ETC" "$NSPAWN_DIR/img/etc/app"
make_busybox_rootfs "$NSPAWN_DIR/img"
echo "shipped with the image" >"$NSPAWN_DIR/img/etc/app/default.conf"
nspawn_import_image localhost/app "$NSPAWN_DIR/img"

cat >"$ETC/data.volume" <<'EOF2'
[Volume]
Label=purpose=test
EOF2
cat >"$ETC/conf.volume" <<'EOF2'
[Volume]
VolumeName=appconf
EOF2
# Started at boot: writes into the volume, and sees the image's /etc/app copied into conf.
cat >"$ETC/writer.container" <<'EOF2'
[Container]
Image=localhost/app
Volume=data.volume:/data
Volume=conf.volume:/etc/app
Exec=sh -c 'echo written at boot >/data/msg; echo "writer sees: $(cat /etc/app/default.conf)"'

[Install]
WantedBy=multi-user.target
EOF2
# Started by hand later: reads what the writer left, read-only.
cat >"$ETC/reader.container" <<'EOF2'
[Container]
Image=localhost/app
Volume=data.volume:/data:ro
Exec=sh -c 'echo "reader sees: $(cat /data/msg)"; touch /data/x 2>/dev/null || echo "reader: read-only"'
EOF2
NSPAWN_ETC_BERTH=$ETC
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

in_sd() { nspawn_run_timeout 60 "$@"; }
unit_prop() { in_sd systemctl show -P "$2" "$1"; }
unit_is() { [ "$(in_sd systemctl is-active "$1")" = "$2" ]; }
journal_has() { nspawn_journal -u "$1" -o cat | grep -qF -- "$2"; }

check_output "data-volume.service runs berth volume create" "berth volume create --ignore" \
        in_sd systemctl cat data-volume.service
check_output "writer.service requires it" "data-volume.service" unit_prop writer.service Requires
check "the writer ran at boot" wait_until 30 journal_has writer.service "writer sees:"
check "... and succeeded" wait_until 10 unit_is writer.service inactive
check_output "... with status 0" "0" unit_prop writer.service ExecMainStatus
check_output "data-volume.service is active (oneshot, remains)" "active" in_sd systemctl is-active data-volume.service
vol_done=$(unit_prop data-volume.service ExecMainExitTimestampMonotonic)
writer_start=$(unit_prop writer.service ExecMainStartTimestampMonotonic)
diag "volume created at $vol_done, writer started at $writer_start (monotonic usec)"
check "the volume was created before the writer started" test "${vol_done:-0}" -gt 0 -a "${vol_done:-0}" -le "${writer_start:-0}"
check_output "berth volume ls shows both volumes" "appconf" in_sd berth volume ls
check_output "the label from the .volume file" '"purpose": "test"' in_sd berth volume inspect data
check_output "the writer's data is in the volume" "written at boot" in_sd cat /var/lib/berth/volumes/data/_data/msg
check_output "the image's /etc/app was copied into the new volume" "writer sees: shipped with the image" \
        nspawn_journal -u writer.service -o cat
check "start reader.service" in_sd systemctl start reader.service
check "the reader sees the writer's data" wait_until 20 journal_has reader.service "reader sees: written at boot"
check "... through a read-only mount" wait_until 20 journal_has reader.service "reader: read-only"
check_output "no container uses the volume now: rm works" "data" in_sd berth volume rm data
check "restarting data-volume.service creates it again" in_sd systemctl restart data-volume.service
check "... empty" in_sd sh -c 'test -d /var/lib/berth/volumes/data/_data && test -z "$(ls -A /var/lib/berth/volumes/data/_data)"'

done_testing
